import { expect, it } from 'vitest';
import { OrderStore } from '../../server/orders/store.ts';
import type { PlaceOrderResult } from '@hawker/protocol';
import { api, call, next, ok } from '../../harness/clients.ts';
import {
  inspector,
  joinedViewer,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  skuCounts,
  startCommerceNode,
} from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('ending the room ends its sales and selling; units of reservations released later go back to the SKU', async () => {
  const node = t.add(await startCommerceNode(null)); // no gateway: reservations stay open until released
  const redis = t.add(inspector());
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 20 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 5, perBuyerLimit: 5 });
  const v1 = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const fromSale = ok(
    await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 2, idempotencyKey: 'sale-order-1' }),
  ) as PlaceOrderResult;
  const atList = ok(
    await call(v1.socket, 'order:place', {
      roomId: room.id,
      productId: product.id,
      skuId: 'std',
      quantity: 1,
      idempotencyKey: 'list-order-1',
    }),
  ) as PlaceOrderResult;
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 14, reserved: 1, sold: 0, allocated: 5, total: 20 });

  const saleEnded = next(v1.socket, 'sale:ended');
  const roomEnded = next(v1.socket, 'room:ended');
  expect((await api(node.url, 'POST', `/api/rooms/${room.id}/end`, creator)).status).toBe(200);
  expect(await saleEnded).toEqual({ roomId: room.id, saleId: sale.id, reason: 'the live ended', sold: 0 });
  await roomEnded;

  // The 3 unsold units are back on the SKU; the 2 reserved ones stay with their order.
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 0, reserved: 2, sold: 0, returned: 3, quantity: 5 });
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 17, reserved: 1, sold: 0, allocated: 2, total: 20 });

  // Nothing more can be reserved, from the sale or at list price (the script itself refuses: pools are closed).
  const store = new OrderStore(redis, node.prefix, 60_000);
  for (const pool of [
    { kind: 'sale' as const, saleId: sale.id, productId: product.id, skuId: 'std' },
    { kind: 'sku' as const, productId: product.id, skuId: 'std' },
  ]) {
    await expect(
      store.reserve({
        buyerId: 'v2',
        roomId: room.id,
        agencyId: room.agencyId,
        pool,
        quantity: 1,
        idempotencyKey: `after-end-${pool.kind}`,
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      options: { details: { reason: 'ENDED' } },
    });
  }

  // Releasing the sale reservation now returns its units to the SKU, not to the ended sale.
  expect((await api(node.url, 'POST', `/api/orders/${fromSale.order.id}/cancel`, v1.token)).body).toMatchObject({ status: 'cancelled' });
  expect((await api(node.url, 'POST', `/api/orders/${atList.order.id}/cancel`, v1.token)).body).toMatchObject({ status: 'cancelled' });
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 0, reserved: 0, sold: 0, returned: 5, quantity: 5 });
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 20, reserved: 0, sold: 0, allocated: 0, total: 20 });
});
