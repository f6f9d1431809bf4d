import { expect, it } from 'vitest';
import { HawkerApi, HawkerError, LiveRoom } from '../../client-sdk/src/index.ts';
import { devToken } from '../../harness/clients.ts';
import { startCommerce } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { adminToken, buys, liveRoom } from './fixtures.ts';

const t = useTeardown();

const code = (err: unknown) => (err instanceof HawkerError ? err.code : String(err));

/**
 * The SDK's crowd methods against a real node: touches (visit, watch, click), a room product click over the socket,
 * the crowd overview and its people export, the post-live report and its CSV, a person's own deletion request and an
 * admin's; errors are HawkerErrors with the server's codes.
 */
it('the SDK touches, reads crowd stages, flows and sources, exports people, reads the report and its CSV, and erases; errors are typed', async () => {
  const { node } = await startCommerce(t, { env: { CROWD_FLUSH_MS: '100', CROWD_MIN_WATCH_SECONDS: '10' } });
  const creatorTok = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const creator = new HawkerApi(node.url, creatorTok);
  const { room, product } = await liveRoom(node, creatorTok, 'SDK live', 1500);

  const fan = new HawkerApi(node.url, await devToken(node.url, { userId: 'fan', name: 'Fan', role: 'viewer' }));
  expect(await fan.crowdTouch({ kind: 'visit', source: 'follow_notice', creatorId: 'c1' })).toEqual({ recorded: true });
  expect(await fan.crowdTouch({ kind: 'watch', source: 'replay', roomId: room.id, seconds: 20 })).toEqual({ recorded: true });
  expect(await fan.crowdTouch({ kind: 'click', source: 'clip', roomId: room.id, productId: product.id })).toEqual({ recorded: true });
  // In the room a product click goes over the socket.
  const clicker = await devToken(node.url, { userId: 'clicker', name: 'Cli', role: 'viewer' });
  const live = await LiveRoom.join(node.url, clicker, room.id);
  t.defer(() => live.close());
  expect(await live.clickProduct(product.id)).toEqual({ counted: true });
  expect(code(await live.clickProduct('nope').catch((e: unknown) => e))).toBe('NOT_FOUND');
  await buys(t, node, creatorTok, room.id, product.id, 'buyer');

  const overview = await waitFor(
    'the crowd written',
    async () => {
      const o = await creator.crowd('creator', 'c1', { period: 'day' });
      const today = o.stages.at(-1)!;
      return today.interested === 2 && today.first === 1 ? o : undefined;
    },
    30_000,
  );
  expect(overview).toMatchObject({ kind: 'creator', id: 'c1', period: 'day', minWatchSeconds: 10 });
  const people = (source: string) => overview.sources.find((s) => s.source === source)?.people ?? 0;
  expect([people('follow_notice'), people('replay'), people('clip')]).toEqual([1, 1, 1]);
  // Everyone reached today is new to this crowd: fan, clicker and the buyer.
  expect(overview.flows.at(-1)).toMatchObject({ newInterested: 3 });

  const csv = await creator.crowdPeopleCsv('creator', 'c1', { stage: 'interested' });
  expect(
    csv
      .split('\r\n')
      .filter(Boolean)
      .slice(1)
      .map((l) => l.split(',')[0])
      .sort(),
  ).toEqual(['clicker', 'fan']);
  const url = creator.crowdPeopleUrl('creator', 'c1', { stage: 'first' });
  expect(url).toBe(`${node.url}/api/crowd/creator/c1/people.csv?stage=first`);
  const viaUrl = await fetch(url, { headers: { authorization: `Bearer ${creatorTok}` } });
  expect((await viaUrl.text()).includes('buyer')).toBe(true);

  const report = await creator.roomReport(room.id);
  expect(report).toMatchObject({ roomId: room.id, paidOrders: 1, gmv: { USD: 1500 } });
  expect(await creator.roomReportCsv(room.id)).toContain('product_clicks');

  // The person's own deletion request, then an admin's for another; the lists no longer hold them.
  const erased = await fan.eraseMyData();
  expect(erased).toMatchObject({ erased: true, first: true });
  const admin = new HawkerApi(node.url, await adminToken(node));
  expect(await admin.eraseUser('clicker')).toMatchObject({ erased: true, first: true });
  expect((await creator.crowdPeopleCsv('creator', 'c1', { stage: 'interested' })).split('\r\n').filter(Boolean)).toHaveLength(1);

  // Typed errors: bad input, someone else's crowd, an unknown room, an admin-only action.
  expect(code(await fan.crowdTouch({ kind: 'watch', source: 'replay', roomId: room.id }).catch((e: unknown) => e))).toBe('BAD_REQUEST');
  expect(
    code(await fan.crowdTouch({ kind: 'visit', source: 'replay', roomId: room.id, productId: product.id }).catch((e: unknown) => e)),
  ).toBe('BAD_REQUEST');
  expect(code(await fan.crowdTouch({ kind: 'click', source: 'storefront', shopId: 'nope', productId: 'p' }).catch((e: unknown) => e))).toBe(
    'NOT_FOUND',
  );
  expect(code(await fan.crowd('creator', 'c1').catch((e: unknown) => e))).toBe('FORBIDDEN');
  expect(code(await creator.crowd('creator', 'c1', { from: '2026-02-30' }).catch((e: unknown) => e))).toBe('BAD_REQUEST');
  expect(code(await creator.crowdPeopleCsv('creator', 'c1', { stage: 'nope' as 'first' }).catch((e: unknown) => e))).toBe('BAD_REQUEST');
  expect(code(await creator.roomReport('missing').catch((e: unknown) => e))).toBe('NOT_FOUND');
  expect(code(await creator.roomReportCsv('missing').catch((e: unknown) => e))).toBe('NOT_FOUND');
  expect(code(await fan.eraseUser('buyer').catch((e: unknown) => e))).toBe('FORBIDDEN');
});
