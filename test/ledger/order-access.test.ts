import { expect, it } from 'vitest';
import type { Order, OrderList, PlaceOrderResult } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

type History = { orderId: string; events: { status: string; reason: string | null; actor: string; at: number }[] };
type ErrorBody = { error: { code: string; message: string } };

it("a paid order's history reads reserved → pending_payment → paid with who did each; other buyers get 404, other agencies' moderators FORBIDDEN", async () => {
  const { node } = await startCommerce(t);
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 10 });
  const buyer = await joinedViewer(t, node, room.id, { userId: 'buyer-1' });
  const placed = ok(
    await call(buyer.socket, 'order:place', {
      roomId: room.id,
      productId: product.id,
      skuId: 'std',
      quantity: 1,
      idempotencyKey: 'access-key-1',
    }),
  ) as PlaceOrderResult;
  const [order] = await waitFinal(node, buyer.token, [placed.order.id]);
  expect(order).toMatchObject({ id: placed.order.id, status: 'paid', buyerId: 'buyer-1', roomId: room.id });

  // Its buyer reads it and its history: every status, oldest first, with the actor (the buyer reserved it, the
  // payments domain started paying, the worker or the gateway's webhook, whichever came first, recorded the charge).
  const history = await api<History>(node.url, 'GET', `/api/orders/${order!.id}/history`, buyer.token);
  expect(history.status).toBe(200);
  expect(history.body.orderId).toBe(order!.id);
  expect(history.body.events.map((e) => e.status)).toEqual(['reserved', 'pending_payment', 'paid']);
  const [reserved, paying, paid] = history.body.events;
  expect(reserved).toMatchObject({ actor: 'buyer-1', reason: null });
  expect(paying).toMatchObject({ actor: 'system:payments' });
  expect(paid!.actor).toMatch(/^system:(worker|webhook)$/);
  expect(paid!.reason).toBe(`charge ${order!.chargeId}`);
  const times = history.body.events.map((e) => e.at);
  expect(times).toEqual([...times].sort((x, y) => x - y));
  expect(times[0]).toBeGreaterThanOrEqual(order!.createdAt - 1_000);
  expect(times[2]).toBeLessThanOrEqual(order!.updatedAt + 1_000);
  // The room's creator (a manager) sees the same history.
  expect((await api<History>(node.url, 'GET', `/api/orders/${order!.id}/history`, creator)).body).toEqual(history.body);

  // Another buyer: 404 for the order and its history, exactly as for an order that does not exist (no existence leak),
  // and it is not in their own listing.
  const other = await devToken(node.url, { userId: 'buyer-2', name: 'Other buyer', role: 'viewer' });
  for (const path of [`/api/orders/${order!.id}`, `/api/orders/${order!.id}/history`]) {
    const res = await api<ErrorBody>(node.url, 'GET', path, other);
    expect([res.status, res.body.error.code], path).toEqual([404, 'NOT_FOUND']);
  }
  for (const path of ['/api/orders/ord_doesnotexist', '/api/orders/ord_doesnotexist/history']) {
    const res = await api<ErrorBody>(node.url, 'GET', path, buyer.token);
    expect([res.status, res.body.error.code], path).toEqual([404, 'NOT_FOUND']);
  }
  expect((await api<OrderList>(node.url, 'GET', '/api/orders', other)).body).toEqual({ orders: [], nextCursor: null });
  expect((await api<OrderList>(node.url, 'GET', '/api/orders', buyer.token)).body.orders.map((o) => o.id)).toEqual([order!.id]);
  // Another buyer cannot cancel it either (404, not 409: the order is not theirs to know about).
  const cancel = await api<ErrorBody>(node.url, 'POST', `/api/orders/${order!.id}/cancel`, other);
  expect([cancel.status, cancel.body.error.code]).toEqual([404, 'NOT_FOUND']);
  // Without a token: 401.
  expect((await api(node.url, 'GET', `/api/orders/${order!.id}/history`)).status).toBe(401);

  // The agency listing: its owner, its moderators and admins see the order; another agency's moderator (or owner), a
  // plain viewer and the buyer get FORBIDDEN.
  const token = (userId: string, role: 'viewer' | 'creator' | 'moderator' | 'agency' | 'admin', agencyId?: string) =>
    devToken(node.url, { userId, name: userId, role, ...(agencyId ? { agencyId } : {}) });
  const allowed = [await token('ag1-owner', 'agency', 'ag1'), await token('ag1-mod', 'moderator', 'ag1'), await token('root', 'admin')];
  for (const who of allowed) {
    const res = await api<OrderList>(node.url, 'GET', '/api/agencies/ag1/orders', who);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orders: [order], nextCursor: null });
  }
  const refused = [
    await token('ag2-mod', 'moderator', 'ag2'),
    await token('ag2-owner', 'agency', 'ag2'),
    await token('mod-of-none', 'moderator'),
    other,
    buyer.token,
    creator,
  ];
  for (const who of refused) {
    const res = await api<ErrorBody>(node.url, 'GET', '/api/agencies/ag1/orders', who);
    expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
  }
  // The other agency's moderator may list their own agency's orders: none of ag1's are there.
  const ag2mod = refused[0]!;
  expect((await api<OrderList>(node.url, 'GET', '/api/agencies/ag2/orders', ag2mod)).body).toEqual({ orders: [], nextCursor: null });
  // The room listing is for the room's managers: another creator gets FORBIDDEN, the room's creator the order.
  const c2 = await token('c2', 'creator', 'ag2');
  const roomList = await api<ErrorBody>(node.url, 'GET', `/api/rooms/${room.id}/orders`, c2);
  expect([roomList.status, roomList.body.error.code]).toEqual([403, 'FORBIDDEN']);
  expect((await api<OrderList>(node.url, 'GET', `/api/rooms/${room.id}/orders`, creator)).body.orders.map((o: Order) => o.id)).toEqual([
    order!.id,
  ]);
});
