import { expect, it } from 'vitest';
import type { AgencyAnalytics, PlaceOrderResult, Product, Room, RoomAnalytics } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, startCommerceNode, startSandbox, waitFinal } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('counts card impressions (once per viewer connection), clicks, orders, paid orders and GMV per room and per agency', async () => {
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox));
  const one = await liveRoomWithProduct(node, { price: 2500 });
  // A second room of the same creator (same agency), with its own product.
  const room2 = (await api<Room>(node.url, 'POST', '/api/rooms', one.creator, { title: 'Second show' })).body;
  await api(node.url, 'POST', `/api/rooms/${room2.id}/live`, one.creator);
  const product2 = (
    await api<Product>(node.url, 'POST', `/api/rooms/${room2.id}/products`, one.creator, {
      title: 'Fan',
      imageUrl: 'https://img.example.com/fan.jpg',
      price: 800,
      currency: 'USD',
      skus: [{ id: 'std', label: 'Fan', stock: 9 }],
    })
  ).body;

  const v1 = await joinedViewer(t, node, one.room.id, { userId: 'v1' });
  const v2 = await joinedViewer(t, node, one.room.id, { userId: 'v2' });
  const v3 = await joinedViewer(t, node, room2.id, { userId: 'v3' });
  const p1 = { roomId: one.room.id, productId: one.product.id };

  expect(ok(await call(v1.socket, 'product:impression', p1))).toEqual({ counted: true });
  expect(ok(await call(v1.socket, 'product:impression', p1))).toEqual({ counted: false });
  expect(ok(await call(v2.socket, 'product:impression', p1))).toEqual({ counted: true });
  expect(ok(await call(v3.socket, 'product:impression', { roomId: room2.id, productId: product2.id }))).toEqual({ counted: true });
  for (let i = 0; i < 3; i++) ok(await call(v1.socket, 'product:click', p1));
  ok(await call(v2.socket, 'product:click', p1));

  // Invalid events are refused and not counted.
  expect(await call(v1.socket, 'product:impression', { roomId: one.room.id, productId: 'nosuchproduct' })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
  expect(await call(v1.socket, 'product:click', { roomId: one.room.id, productId: product2.id })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
  expect(await call(v1.socket, 'product:click', { roomId: room2.id, productId: product2.id })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
  expect(await call(v1.socket, 'product:click', { roomId: one.room.id } as never)).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST' },
  });

  const order = ok(
    await call(v1.socket, 'order:place', { ...p1, skuId: 'std', quantity: 2, idempotencyKey: 'stats-order-1' }),
  ) as PlaceOrderResult;
  expect((await waitFinal(node, one.creator, [order.order.id]))[0]!.status).toBe('paid');

  const roomStats = await waitFor(
    'room counters',
    async () => {
      const r = await api<RoomAnalytics>(node.url, 'GET', `/api/rooms/${one.room.id}/analytics`, one.creator);
      return r.body.impressions === 2 && r.body.clicks === 4 ? r.body : undefined;
    },
    10_000,
  );
  expect(roomStats).toEqual({
    roomId: one.room.id,
    impressions: 2,
    clicks: 4,
    orders: 1,
    units: 2,
    paidOrders: 1,
    paidUnits: 2,
    gmv: { USD: 5000 },
    products: { [one.product.id]: { impressions: 2, clicks: 4 } },
  });

  const agencyOwner = await devToken(node.url, { userId: 'a1', name: 'Agency', role: 'agency', agencyId: 'ag1' });
  const moderator = await devToken(node.url, { userId: 'm1', name: 'Mod', role: 'moderator', agencyId: 'ag1' });
  const agency = await waitFor('agency counters', async () => {
    const r = await api<AgencyAnalytics>(node.url, 'GET', '/api/agencies/ag1/analytics', moderator);
    return r.body.impressions === 3 ? r.body : undefined;
  });
  expect(agency).toEqual({
    agencyId: 'ag1',
    impressions: 3,
    clicks: 4,
    orders: 1,
    units: 2,
    paidOrders: 1,
    paidUnits: 2,
    gmv: { USD: 5000 },
  });
  expect((await api(node.url, 'GET', `/api/rooms/${one.room.id}/analytics`, agencyOwner)).status).toBe(200);
  expect((await api(node.url, 'GET', `/api/rooms/${one.room.id}/analytics`, moderator)).status).toBe(200);

  // Access: not viewers, other creators or other agencies.
  const others = [
    await devToken(node.url, { userId: 'v9', name: 'V', role: 'viewer' }),
    await devToken(node.url, { userId: 'c9', name: 'C', role: 'creator', agencyId: 'ag2' }),
    await devToken(node.url, { userId: 'a2', name: 'A2', role: 'agency', agencyId: 'ag2' }),
  ];
  for (const t of others) {
    expect((await api(node.url, 'GET', `/api/rooms/${one.room.id}/analytics`, t)).status).toBe(403);
    expect((await api(node.url, 'GET', '/api/agencies/ag1/analytics', t)).status).toBe(403);
  }
  expect((await api(node.url, 'GET', '/api/agencies/bad%20id/analytics', agencyOwner)).status).toBe(400);
});
