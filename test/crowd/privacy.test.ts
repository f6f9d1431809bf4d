import { expect, it } from 'vitest';
import type { CrowdErasureResult, RoomReport } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startCommerce } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { adminToken, buys, csv, liveRoom, stageList } from './fixtures.ts';

const t = useTeardown();
type ErrorBody = { error: { code: string; message: string } };

it('a deletion request removes the person from every crowd list and export, anonymises the ledger and keeps its amounts; bad input is typed', async () => {
  const { node } = await startCommerce(t, { env: { CROWD_FLUSH_MS: '100' } });
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const owner = await devToken(node.url, { userId: 'boss', name: 'Boss', role: 'agency', agencyId: 'ag1' });
  const admin = await adminToken(node);
  const { room, product } = await liveRoom(node, creator, 'Live', 1200);
  const alice = await buys(t, node, creator, room.id, product.id, 'alice');
  await buys(t, node, creator, room.id, product.id, 'bob');
  await waitFor(
    'both buyers',
    async () => ((await stageList(node, creator, 'creator/c1', 'first')).length === 2 ? true : undefined),
    15_000,
  );
  const before = (await api<RoomReport>(node.url, 'GET', `/api/rooms/${room.id}/report`, creator)).body;
  // Alice follows the creator: whom she follows is hers too.
  expect((await api(node.url, 'PUT', '/api/follows/c1', alice.token)).status).toBe(200);

  // Alice asks for herself; an admin erases Bob on his request. Nobody else may erase another person.
  expect((await api(node.url, 'POST', '/api/admin/crowd/erasures', creator, { userId: 'bob' })).status).toBe(403);
  const mine = await api<CrowdErasureResult>(node.url, 'DELETE', '/api/crowd/me', alice.token);
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({ erased: true, first: true });
  expect(mine.body.ledgerRows).toBeGreaterThan(0);
  expect(mine.body.crowdRows).toBeGreaterThan(0);
  const bob = await api<CrowdErasureResult>(node.url, 'POST', '/api/admin/crowd/erasures', admin, { userId: 'bob' });
  expect(bob.body).toMatchObject({ erased: true, first: true });
  expect((await api<CrowdErasureResult>(node.url, 'DELETE', '/api/crowd/me', alice.token)).body.first).toBe(false);

  // Alice keeps acting in the room after her request (buffered events on the node): she stays out.
  expect(
    (await api(node.url, 'POST', '/api/crowd/touch', alice.token, { kind: 'watch', source: 'live', roomId: room.id, seconds: 60 })).status,
  ).toBe(200);
  for (const [scope, token] of [
    ['creator/c1', creator],
    ['agency/ag1', owner],
  ] as const) {
    for (const stage of ['interested', 'first', 'repeat', 'lapsed']) expect(await stageList(node, token, scope, stage)).toEqual([]);
  }
  const db = node.node.ctx.db;
  const people = await db.query(
    `SELECT user_id FROM crowd_daily UNION SELECT user_id FROM room_viewers UNION SELECT user_id FROM follows
     UNION SELECT user_id FROM notices`,
  );
  expect(people.rows.map((r) => r.user_id).filter((u) => u === 'alice' || u === 'bob')).toEqual([]);
  const orders = await db.query(`SELECT buyer_id, amount FROM orders WHERE room_id = $1 ORDER BY buyer_id`, [room.id]);
  expect(orders.rows.every((r) => /^erased_[0-9a-f]{24}$/.test(r.buyer_id))).toBe(true);
  expect(new Set(orders.rows.map((r) => r.buyer_id)).size).toBe(2);
  const actors = await db.query(`SELECT count(*)::int AS n FROM order_events WHERE actor IN ('alice', 'bob')`);
  expect(actors.rows[0].n).toBe(0);
  // The amounts stay for accounting: the report's money is what it was.
  const after = (await api<RoomReport>(node.url, 'GET', `/api/rooms/${room.id}/report`, creator)).body;
  expect(after).toMatchObject({ orders: before.orders, paidOrders: before.paidOrders, gmv: before.gmv, refunds: before.refunds });
  expect(after.viewers.total).toBe(0);

  // Bad input on every new endpoint is a typed error that changes nothing.
  const bad: [string, string, string, unknown, number][] = [
    ['GET', '/api/crowd/planet/c1', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1?from=2026-02-30', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1?from=2026-01-01&to=2026-12-01', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1?from=2026-03-02&to=2026-03-01', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1?period=year', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1?extra=1', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1/people.csv', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c1/people.csv?stage=vip', creator, undefined, 400],
    ['GET', '/api/crowd/creator/c2', creator, undefined, 403],
    ['GET', '/api/crowd/agency/ag1', creator, undefined, 403],
    ['GET', '/api/crowd/shop/nosuchshop', creator, undefined, 404],
    ['POST', '/api/crowd/touch', alice.token, { kind: 'visit', source: 'tv', roomId: room.id }, 400],
    ['POST', '/api/crowd/touch', alice.token, { kind: 'visit', source: 'live' }, 400],
    ['POST', '/api/crowd/touch', alice.token, { kind: 'watch', source: 'replay', roomId: room.id }, 400],
    ['POST', '/api/crowd/touch', alice.token, { kind: 'watch', source: 'replay', roomId: room.id, seconds: 301 }, 400],
    ['POST', '/api/crowd/touch', alice.token, { kind: 'visit', source: 'live', roomId: 'nosuchroom' }, 404],
    ['POST', '/api/crowd/touch', alice.token, { kind: 'visit', source: 'storefront', shopId: 'nosuchshop' }, 404],
    ['POST', '/api/crowd/touch', alice.token, 'not json', 400],
    ['POST', '/api/admin/crowd/erasures', admin, { userId: 'a b' }, 400],
    ['POST', '/api/admin/crowd/erasures', admin, {}, 400],
    ['GET', '/api/rooms/bad%20id/report', creator, undefined, 400],
    ['GET', '/api/rooms/nosuchroom/report', creator, undefined, 404],
    ['GET', `/api/rooms/${room.id}/report`, alice.token, undefined, 403],
    ['GET', `/api/rooms/${room.id}/report.csv`, alice.token, undefined, 403],
  ];
  for (const [method, path, token, body, status] of bad) {
    const res = await api<ErrorBody>(node.url, method, path, token, body);
    expect({ method, path, status: res.status }).toEqual({ method, path, status });
    expect(typeof res.body.error.code).toBe('string');
  }
  expect((await api<ErrorBody>(node.url, 'GET', '/api/crowd/creator/c1')).status).toBe(401);
  const csvRefused = await csv(node, '/api/crowd/creator/c2/people.csv?stage=first', creator);
  expect(csvRefused.status).toBe(403);
}, 180_000);
