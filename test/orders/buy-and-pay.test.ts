import { expect, it } from 'vitest';
import type { Order, OrderUpdated, PlaceOrderResult, RoomAnalytics } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import {
  joinedViewer,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  skuCounts,
  startCommerce,
  waitFinal,
} from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a viewer buys from a flash sale: reserved at once, then pushed pending_payment and paid; one charge; counters move', async () => {
  const { sandbox, node, redis } = await startCommerce(t);
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 50 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 10, perBuyerLimit: 3, salePrice: 990 });
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 40, reserved: 0, sold: 0, allocated: 10, total: 50 });

  const v = await joinedViewer(t, node, room.id, { userId: 'v1' });
  expect(v.snapshot.flashSale?.id).toBe(sale.id);
  const updates: OrderUpdated[] = [];
  v.socket.on('order:updated', (u) => updates.push(u));

  const placed = ok(
    await call(v.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 2, idempotencyKey: 'key-000001' }),
  ) as PlaceOrderResult;
  expect(placed.replayed).toBe(false);
  expect(placed.order).toMatchObject({
    status: 'reserved',
    quantity: 2,
    unitPrice: 990,
    amount: 1980,
    currency: 'USD',
    buyerId: 'v1',
    saleId: sale.id,
  });

  const [final] = await waitFinal(node, v.token, [placed.order.id]);
  expect(final!.status).toBe('paid');
  expect(final!.chargeId).toMatch(/^ch_/);
  await waitFor('paid push', () => updates.some((u) => u.orderId === placed.order.id && u.status === 'paid'));
  expect(updates.map((u) => u.status)).toEqual(['reserved', 'pending_payment', 'paid']);

  const charges = sandbox.ledger();
  expect(charges).toHaveLength(1);
  expect(charges[0]).toMatchObject({ reference: placed.order.id, idempotencyKey: placed.order.id, amount: 1980, status: 'succeeded' });
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 8, reserved: 0, sold: 2, returned: 0, quantity: 10 });

  // A list-price order from the catalog goes through the same path.
  const list = ok(
    await call(v.socket, 'order:place', {
      roomId: room.id,
      productId: product.id,
      skuId: 'std',
      quantity: 1,
      idempotencyKey: 'key-000002',
    }),
  ) as PlaceOrderResult;
  expect(list.order).toMatchObject({ unitPrice: 1999, amount: 1999, saleId: null });
  expect((await waitFinal(node, v.token, [list.order.id]))[0]!.status).toBe('paid');
  // The SKU counts every unit sold, the 2 paid in the flash sale included (they leave `allocated` when paid).
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 39, reserved: 0, sold: 3, allocated: 8, total: 50 });

  const mine = await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', v.token);
  expect(mine.body.orders.map((o) => o.id)).toEqual([list.order.id, placed.order.id]);
  const stats = await api<RoomAnalytics>(node.url, 'GET', `/api/rooms/${room.id}/analytics`, creator);
  expect(stats.body).toMatchObject({ orders: 2, units: 3, paidOrders: 2, paidUnits: 3, gmv: { USD: 1980 + 1999 } });
});
