import { expect, it } from 'vitest';
import type { PlaceOrderResult } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startCommerce } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, poolOf, simpleShopProduct } from './fixtures.ts';

const t = useTeardown();

it("a shop SKU whose pool was never seeded (Redis away when its product committed) gets it from PostgreSQL's durable total at its first order", async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, 10);
  const sku = product.skus[0]!;
  expect((await api(node.url, 'POST', `/api/products/${product.id}/stock`, creator, { skuId: sku.id, delta: 4 })).status).toBe(200);
  await redis.del(`${node.prefix}catalog:stock:${product.id}:${sku.id}`);
  const buyer = await devToken(node.url, { userId: 'b1', name: 'b1', role: 'viewer' });
  const res = await api<PlaceOrderResult>(node.url, 'POST', '/api/orders', buyer, {
    productId: product.id,
    skuId: sku.id,
    quantity: 2,
    idempotencyKey: 'seed-00001',
    channel: 'storefront',
  });
  expect(res.status).toBe(201);
  const pool = await poolOf(redis, node, product.id, sku.id);
  expect(pool).toMatchObject({ left: 12, total: 14 });
  expect(pool.reserved + pool.sold).toBe(2);
});
