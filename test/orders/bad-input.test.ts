import { expect, it } from 'vitest';
import { signWebhook } from '../../server/payments/signature.ts';
import type { Order, PlaceOrderResult } from '@hawker/protocol';
import { api, call, devToken, ok, type ClientSocket } from '../../harness/clients.ts';
import {
  joinedViewer,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  skuCounts,
  startCommerce,
  waitFinal,
} from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** Emits a raw event (payload of any shape, as a hostile client could) and returns its ack. */
function raw(
  socket: ClientSocket,
  event: string,
  payload: unknown,
): Promise<{ ok: boolean; error?: { code: string; details?: { reason?: string } } }> {
  return (socket.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<never> }).emitWithAck(event, payload);
}

it('malformed, forged, oversized and replayed orders get typed errors and change nothing', async () => {
  const { sandbox, node, redis } = await startCommerce(t);
  const a = await liveRoomWithProduct(node, { stock: 50 });
  const saleA = await scheduleSale(node, a.creator, a.room.id, a.product.id, { quantity: 10, perBuyerLimit: 2 });
  // Room B belongs to another creator; its ids must not be usable from room A.
  const c2 = await devToken(node.url, { userId: 'c2', name: 'Other', role: 'creator' });
  const roomB = (await api<{ id: string }>(node.url, 'POST', '/api/rooms', c2, { title: 'Other room' })).body;
  await api(node.url, 'POST', `/api/rooms/${roomB.id}/live`, c2);
  const productB = (
    await api<{ id: string }>(node.url, 'POST', `/api/rooms/${roomB.id}/products`, c2, {
      title: 'Other',
      imageUrl: 'https://img.example.com/o.jpg',
      price: 500,
      currency: 'USD',
      skus: [{ id: 'std', label: 'Std', stock: 5 }],
    })
  ).body;
  const saleB = await scheduleSale(node, c2, roomB.id, productB.id, { quantity: 5 });

  const v1 = await joinedViewer(t, node, a.room.id, { userId: 'v1' });
  const v2 = await joinedViewer(t, node, a.room.id, { userId: 'v2' });
  const legit = ok(
    await call(v1.socket, 'order:place', { roomId: a.room.id, saleId: saleA.id, quantity: 1, idempotencyKey: 'legit-key-1' }),
  ) as PlaceOrderResult;
  await waitFinal(node, v1.token, [legit.order.id]);

  const before = {
    saleA: await saleCounts(redis, node.prefix, saleA.id),
    skuA: await skuCounts(redis, node.prefix, a.product.id),
    saleB: await saleCounts(redis, node.prefix, saleB.id),
    ledger: sandbox.ledger().length,
  };
  const base = { roomId: a.room.id, saleId: saleA.id, quantity: 1, idempotencyKey: 'fresh-key-1' };
  const expectCode = async (payload: unknown, code: string, reason?: string, socket = v1.socket) => {
    const ack = await raw(socket, 'order:place', payload);
    expect(ack.ok, JSON.stringify(payload)).toBe(false);
    expect(ack.error?.code, JSON.stringify(payload)).toBe(code);
    if (reason) expect(ack.error?.details?.reason).toBe(reason);
  };

  // Malformed: wrong shapes, bad quantities, bad keys, client-chosen prices or identities, ambiguous targets.
  for (const payload of [null, 'buy', 42, [], {}, { roomId: a.room.id }]) await expectCode(payload, 'BAD_REQUEST');
  for (const quantity of [0, -1, -100, 1.5, 100, 1e9, Number.MAX_SAFE_INTEGER, '2', null])
    await expectCode({ ...base, quantity }, 'BAD_REQUEST');
  for (const idempotencyKey of ['short', 'x'.repeat(65), 'has spaces in it', '', undefined])
    await expectCode({ ...base, idempotencyKey }, 'BAD_REQUEST');
  for (const extra of [{ price: 1 }, { amount: 0 }, { unitPrice: 1 }, { buyerId: 'v2' }, { productId: a.product.id, skuId: 'std' }]) {
    await expectCode({ ...base, ...extra }, 'BAD_REQUEST');
  }
  await expectCode({ ...base, roomId: '../../etc' }, 'BAD_REQUEST');

  // Forged: ids from another room, unknown ids, a room the buyer did not join.
  await expectCode({ ...base, saleId: saleB.id }, 'NOT_FOUND');
  await expectCode({ ...base, saleId: 'nosuchsale' }, 'NOT_FOUND');
  const { saleId: _s, ...listBase } = base;
  await expectCode({ ...listBase, productId: productB.id, skuId: 'std' }, 'NOT_FOUND');
  await expectCode({ ...listBase, productId: a.product.id, skuId: 'nope' }, 'NOT_FOUND');
  await expectCode({ ...base, roomId: roomB.id, saleId: saleB.id }, 'FORBIDDEN');
  expect((await raw(v1.socket, 'order:pay', { orderId: legit.order.id })).error?.code).toBe('UNKNOWN_EVENT');

  // Over the per-buyer limit (valid shape): refused by the reserve script.
  await expectCode({ ...base, quantity: 2 }, 'CONFLICT', 'LIMIT_REACHED');

  // Replays: the same request under the same key returns the same order and changes nothing...
  const replay = ok(
    await call(v1.socket, 'order:place', { roomId: a.room.id, saleId: saleA.id, quantity: 1, idempotencyKey: 'legit-key-1' }),
  ) as PlaceOrderResult;
  expect(replay).toMatchObject({ replayed: true, order: { id: legit.order.id, status: 'paid' } });
  // ...and a different request under a used key is refused.
  await expectCode({ ...base, idempotencyKey: 'legit-key-1', quantity: 2 }, 'CONFLICT', 'IDEMPOTENCY_KEY_REUSED');
  await expectCode(
    { ...listBase, productId: a.product.id, skuId: 'std', idempotencyKey: 'legit-key-1' },
    'CONFLICT',
    'IDEMPOTENCY_KEY_REUSED',
  );

  // Another user's order id: invisible and untouchable.
  expect((await api(node.url, 'GET', `/api/orders/${legit.order.id}`, v2.token)).status).toBe(404);
  expect((await api(node.url, 'POST', `/api/orders/${legit.order.id}/cancel`, v2.token)).status).toBe(404);
  expect((await raw(v2.socket, 'order:cancel', { orderId: legit.order.id })).error?.code).toBe('NOT_FOUND');
  expect((await api(node.url, 'GET', `/api/rooms/${a.room.id}/orders`, v2.token)).status).toBe(403);
  expect((await api(node.url, 'GET', '/api/orders/bad%20id', v2.token)).status).toBe(400);
  for (const q of ['limit=100000', 'limit=-1', 'status=stolen', 'bogus=1'])
    expect((await api(node.url, 'GET', `/api/orders?${q}`, v2.token)).status, q).toBe(400);
  // Cancelling a paid order, even your own, is a conflict.
  expect((await raw(v1.socket, 'order:cancel', { orderId: legit.order.id })).error?.code).toBe('CONFLICT');

  // Forged payment notifications: unsigned, signed with the wrong secret, malformed.
  const event = JSON.stringify({
    id: 'evt_forged',
    type: 'charge.succeeded',
    createdAt: Date.now(),
    data: {
      id: 'ch_forged',
      idempotencyKey: legit.order.id,
      reference: legit.order.id,
      amount: 1,
      currency: 'USD',
      status: 'succeeded',
      declineCode: null,
      createdAt: Date.now(),
    },
  });
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${node.url}/api/payments/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  expect((await post(event, {})).status).toBe(401);
  expect((await post(event, { 'webhook-signature': signWebhook('not-the-real-secret-at-all', event) })).status).toBe(401);
  expect((await post('{"id":', {})).status).toBe(400);

  // Nothing changed: stock, orders, charges.
  expect(await saleCounts(redis, node.prefix, saleA.id)).toEqual(before.saleA);
  expect(await skuCounts(redis, node.prefix, a.product.id)).toEqual(before.skuA);
  expect(await saleCounts(redis, node.prefix, saleB.id)).toEqual(before.saleB);
  expect(sandbox.ledger()).toHaveLength(before.ledger);
  const roomOrders = await api<{ orders: Order[] }>(node.url, 'GET', `/api/rooms/${a.room.id}/orders`, a.creator);
  expect(roomOrders.body.orders.map((o) => [o.id, o.status])).toEqual([[legit.order.id, 'paid']]);
  expect((await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', v2.token)).body.orders).toEqual([]);
  expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
});
