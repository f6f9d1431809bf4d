import { expect, it } from 'vitest';
import type { RoomAnalytics, RoomReport } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, startCommerce } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { buys, csv, liveRoom, overview, stageList } from './fixtures.ts';

const t = useTeardown();

/**
 * A scripted audience around creator c1 (agency ag1) and two of their lives: some watch (a replay, past the minimum),
 * one only drops by, some click, one follows, one buys once, one buys in both lives. Each lands in the right stage of
 * the creator's and the agency's crowd with the right flows, and each room's report equals the ledger.
 */
it('lands each person in the right stage with the right flows, and the reports equal the ledger', async () => {
  const { node } = await startCommerce(t, { env: { CROWD_FLUSH_MS: '100' } });
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const agencyOwner = await devToken(node.url, { userId: 'boss', name: 'Boss', role: 'agency', agencyId: 'ag1' });
  const one = await liveRoom(node, creator, 'First live', 2500);

  // Watches a replay of the first live for 40 s (over CROWD_MIN_WATCH_SECONDS = 30): interested, through 'replay'.
  const watcher = await devToken(node.url, { userId: 'watcher', name: 'w', role: 'viewer' });
  expect(
    (await api(node.url, 'POST', '/api/crowd/touch', watcher, { kind: 'watch', source: 'replay', roomId: one.room.id, seconds: 40 })).body,
  ).toEqual({ recorded: true });
  // Drops by for a moment, does nothing: a visit, never interested.
  const bouncer = await joinedViewer(t, node, one.room.id, { userId: 'bouncer' });
  bouncer.socket.disconnect();
  // Came from search and clicks the product card twice.
  const clicker = await joinedViewer(t, node, one.room.id, { userId: 'clicker' });
  expect(
    (await api(node.url, 'POST', '/api/crowd/touch', clicker.token, { kind: 'visit', source: 'search', roomId: one.room.id })).body,
  ).toEqual({ recorded: true });

  for (let i = 0; i < 2; i++) ok(await call(clicker.socket, 'product:click', { roomId: one.room.id, productId: one.product.id }));
  // Follows the creator.
  const fan = await devToken(node.url, { userId: 'fan', name: 'fan', role: 'viewer' });
  expect((await api(node.url, 'PUT', '/api/follows/c1', fan)).status).toBe(200);
  // Buys once; buys in the first live and again in the second.
  await buys(t, node, creator, one.room.id, one.product.id, 'once', 2);
  const twiceA = await buys(t, node, creator, one.room.id, one.product.id, 'twice');
  const likes = ok(await call(twiceA.socket, 'like:tap', { roomId: one.room.id, count: 3 })) as { accepted: number };
  expect(likes.accepted).toBe(3);

  await waitFor(
    'the first live in the crowd',
    async () => ((await stageList(node, creator, 'creator/c1', 'first')).length === 2 ? true : undefined),
    15_000,
  );
  expect((await api(node.url, 'POST', `/api/rooms/${one.room.id}/end`, creator)).status).toBe(200);

  const two = await liveRoom(node, creator, 'Second live', 1000);
  await buys(t, node, creator, two.room.id, two.product.id, 'twice');

  for (const [scope, token] of [
    ['creator/c1', creator],
    ['agency/ag1', agencyOwner],
  ] as const) {
    await waitFor('stages', async () => ((await stageList(node, token, scope, 'repeat')).length === 1 ? true : undefined), 15_000);
    expect(await stageList(node, token, scope, 'interested')).toEqual(['clicker', 'fan', 'watcher']);
    expect(await stageList(node, token, scope, 'first')).toEqual(['once']);
    expect(await stageList(node, token, scope, 'repeat')).toEqual(['twice']);
    expect(await stageList(node, token, scope, 'lapsed')).toEqual([]);
    const o = await overview(node, token, scope);
    const today = o.stages.at(-1)!;
    expect(today).toMatchObject({ interested: 3, first: 1, repeat: 1, lapsed: 0 });
    // Everyone arrived today; both buyers converted today (the second order the same day is still the first day's
    // conversion: a return is a buyer from before the period paying again; test/unit/crowd-stages.test.ts has days).
    expect(o.flows.at(-1)).toMatchObject({ newInterested: 5, converted: 2, returned: 0, lapsed: 0, revived: 0 });
    const by = Object.fromEntries(o.sources.map((s) => [s.source, s]));
    expect(by.replay).toMatchObject({ people: 1, buyers: 0 });
    expect(by.search).toMatchObject({ people: 1, buyers: 0 });
    // live: every joiner (bouncer, clicker, once, twice); of them two paid, in three live orders.
    expect(by.live).toMatchObject({ people: 4, buyers: 2, paidOrders: 3 });
  }
  // Weekly flows add up to the same today.
  const weekly = await overview(node, creator, 'creator/c1', '?period=week');
  expect(weekly.flows.at(-1)).toMatchObject({ newInterested: 5, converted: 2 });

  // The first live's report: the ledger's figures exactly, and the audience's.
  const report = (await api<RoomReport>(node.url, 'GET', `/api/rooms/${one.room.id}/report`, creator)).body;
  const analytics = (await api<RoomAnalytics>(node.url, 'GET', `/api/rooms/${one.room.id}/analytics`, creator)).body;
  const { rows } = await node.node.ctx.db.query(
    `SELECT count(*)::int AS orders, (count(*) FILTER (WHERE status = 'paid'))::int AS paid,
            sum(amount) FILTER (WHERE status = 'paid')::int AS gmv, sum(refunded_amount)::int AS refunds
       FROM orders WHERE room_id = $1 AND acknowledged`,
    [one.room.id],
  );
  expect(report).toMatchObject({
    orders: rows[0].orders,
    paidOrders: rows[0].paid,
    gmv: { USD: rows[0].gmv },
    refunds: { USD: rows[0].refunds },
    productClicks: 2,
    likes: 3,
    newFollowers: 1,
    funnel: { viewers: 5, clickers: 1, buyers: 2, payers: 2 },
    buyers: { new: 2, repeat: 0 },
    currency: 'USD',
  });
  expect(report.orders).toBe(analytics.orders);
  expect(report.paidOrders).toBe(analytics.paidOrders);
  expect(report.gmv.USD! - report.refunds.USD!).toBe(analytics.gmv.USD);
  expect(report.gmv.USD).toBe(3 * 2500);
  expect(report.viewers.total).toBe(5); // watcher (replay), bouncer, clicker, once, twice
  expect(report.viewers.peak).toBeGreaterThanOrEqual(1);
  expect(Object.fromEntries(report.sources.map((s) => [s.source, s.viewers]))).toEqual({ live: 3, replay: 1, search: 1 });
  expect(report.minutes.reduce((s, m) => s + m.gmv, 0)).toBe(report.gmv.USD);
  expect(report.minutes.reduce((s, m) => s + m.paidOrders, 0)).toBe(report.paidOrders);

  // The second live: its one payer had paid the creator before, in the first.
  const second = (await api<RoomReport>(node.url, 'GET', `/api/rooms/${two.room.id}/report`, creator)).body;
  expect(second).toMatchObject({ orders: 1, paidOrders: 1, gmv: { USD: 1000 }, buyers: { new: 0, repeat: 1 } });

  // The CSV carries the same figures.
  const file = await csv(node, `/api/rooms/${one.room.id}/report.csv`, creator);
  expect(file.status).toBe(200);
  expect(file.type).toContain('text/csv');
  expect(file.rows).toContainEqual(['gmv', 'USD', String(report.gmv.USD)]);
  expect(file.rows).toContainEqual(['paid_orders', '', String(report.paidOrders)]);
});
