import { expect, it } from 'vitest';
import type { Order, OrderUpdated, PlaceOrderResult } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { inspector, joinedViewer, liveRoomWithProduct, saleCounts, scheduleSale, startCommerceNode } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('an unpaid reservation expires at its deadline, its units and the buyer limit return; a buyer can cancel before paying', async () => {
  // No payment gateway and no worker: nothing pays, so only the deadline and the buyer decide.
  const node = t.add(await startCommerceNode(null, { ORDER_PAYMENT_WINDOW_MS: '1500' }));
  const redis = t.add(inspector());
  const { creator, room, product } = await liveRoomWithProduct(node);
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 5, perBuyerLimit: 2 });
  const v1 = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const v2 = await joinedViewer(t, node, room.id, { userId: 'v2' });
  const pushes: OrderUpdated[] = [];
  v1.socket.on('order:updated', (u) => pushes.push(u));

  const held = ok(
    await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 2, idempotencyKey: 'v1-first-order' }),
  ) as PlaceOrderResult;
  expect(held.order.deadline - held.order.createdAt).toBe(1500);
  const limited = await call(v1.socket, 'order:place', {
    roomId: room.id,
    saleId: sale.id,
    quantity: 1,
    idempotencyKey: 'v1-second-order',
  });
  expect(limited).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'LIMIT_REACHED', allowed: 0 } } });

  // v2 reserves and cancels: the unit is back at once; a second cancel conflicts.
  const other = ok(
    await call(v2.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'v2-first-order' }),
  ) as PlaceOrderResult;
  expect(await saleCounts(redis, node.prefix, sale.id)).toMatchObject({ left: 2, reserved: 3 });
  expect(ok(await call(v2.socket, 'order:cancel', { orderId: other.order.id }))).toMatchObject({
    status: 'cancelled',
    failureReason: 'cancelled by the buyer',
  });
  expect(await saleCounts(redis, node.prefix, sale.id)).toMatchObject({ left: 3, reserved: 2 });
  expect(await call(v2.socket, 'order:cancel', { orderId: other.order.id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

  // v1's reservation expires: pushed, units back, limit freed.
  const expired = await waitFor('expired push', () => pushes.find((u) => u.status === 'expired'), 15_000);
  expect(expired).toMatchObject({ orderId: held.order.id, reason: 'payment window elapsed' });
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 5, reserved: 0, sold: 0, returned: 0, quantity: 5 });
  expect((await api<Order>(node.url, 'GET', `/api/orders/${held.order.id}`, v1.token)).body.status).toBe('expired');
  const again = await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 2, idempotencyKey: 'v1-third-order' });
  expect(again).toMatchObject({ ok: true, data: { order: { status: 'reserved', quantity: 2 } } });
});
