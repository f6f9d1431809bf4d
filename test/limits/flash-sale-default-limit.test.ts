import { expect, it } from 'vitest';
import type { FlashSale, Product } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, saleCounts, scheduleSale, startCommerce } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('FLASH_SALE_DEFAULT_MAX_PER_BUYER applies when neither the sale nor its product sets a limit, and buyers see it', async () => {
  const { node, redis } = await startCommerce(t, { env: { FLASH_SALE_DEFAULT_MAX_PER_BUYER: '3' } });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 300 });
  expect(product.maxPerBuyer).toBeNull();
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 300, perBuyerLimit: undefined });
  expect(sale).toMatchObject({ perBuyerLimit: 3, perBuyerLimitSource: 'default' });

  // Buyers joining see the limit with the sale.
  const buyer = await joinedViewer(t, node, room.id, { userId: 'greedy' });
  expect(buyer.snapshot.flashSale).toMatchObject({ id: sale.id, perBuyerLimit: 3, perBuyerLimitSource: 'default' });

  const order = (quantity: number, key: string) =>
    call(buyer.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity, idempotencyKey: key });
  ok(await order(2, 'greedy-order-1'));
  expect(await order(2, 'greedy-order-2')).toMatchObject({
    ok: false,
    error: { code: 'CONFLICT', details: { reason: 'LIMIT_REACHED', allowed: 1 } },
  });
  ok(await order(1, 'greedy-order-3'));
  expect(await order(1, 'greedy-order-4')).toMatchObject({
    ok: false,
    error: { code: 'CONFLICT', details: { reason: 'LIMIT_REACHED', allowed: 0 } },
  });
  // The refused orders took nothing: 3 of 300 units are out.
  const counts = await saleCounts(redis, node.prefix, sale.id);
  expect(counts.left + counts.reserved + counts.sold).toBe(300);
  expect(counts.left).toBe(297);
});

it("a sale's own limit, else its product's maxPerBuyer, comes before the default", async () => {
  const { node } = await startCommerce(t, { env: { FLASH_SALE_DEFAULT_MAX_PER_BUYER: '3' } });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 100, maxPerBuyer: 4 });
  const fromProduct = await scheduleSale(node, creator, room.id, product.id, { durationMs: 5_000, perBuyerLimit: undefined });
  expect(fromProduct).toMatchObject({ perBuyerLimit: 4, perBuyerLimitSource: 'product' });
  expect((await api(node.url, 'POST', `/api/rooms/${room.id}/sales/${fromProduct.id}/end`, creator)).status).toBe(200);
  const own = await scheduleSale(node, creator, room.id, product.id, { perBuyerLimit: 7 });
  expect(own).toMatchObject({ perBuyerLimit: 7, perBuyerLimitSource: 'sale' });
  const listed = await api<{ sales: FlashSale[] }>(node.url, 'GET', `/api/rooms/${room.id}/sales`, creator);
  expect(listed.body.sales.map((s) => s.perBuyerLimitSource).sort()).toEqual(['product', 'sale']);
  const products = await api<{ products: Product[] }>(node.url, 'GET', `/api/rooms/${room.id}/products`, creator);
  expect(products.body.products[0]!.maxPerBuyer).toBe(4);
});
