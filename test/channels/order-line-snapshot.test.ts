import { expect, it } from 'vitest';
import type { Order, PlaceOrderResult, ShopProduct } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startCommerce, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct } from '../shops/fixtures.ts';
import { creatorWithShop, type ErrorBody, ledgerLines, matrixProduct, poolOf } from './fixtures.ts';

const t = useTeardown();

it('a three-attribute product sells per SKU at its own price on the storefront; edits never change placed orders; archived products are refused', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const product = await addProduct(node, creator, shop.id, matrixProduct());
  expect(product.skus).toHaveLength(8);
  const buyer = await devToken(node.url, { userId: 'b1', name: 'b1', role: 'viewer' });
  const order = (skuId: string, key: string, quantity = 1) =>
    api<PlaceOrderResult | ErrorBody>(node.url, 'POST', '/api/orders', buyer, {
      productId: product.id,
      skuId,
      quantity,
      idempotencyKey: key,
      channel: 'storefront',
    });

  // Each SKU at its own price, from its own pool.
  const blueMWool = product.skus.find((s) => s.values.join('/') === 'Blue/M/Wool')!;
  const redSSilk = product.skus.find((s) => s.values.join('/') === 'Red/S/Silk')!;
  const a = await order(blueMWool.id, 'snap-00001', 2);
  expect(a.status).toBe(201);
  const first = (a.body as PlaceOrderResult).order;
  expect(first).toMatchObject({
    channel: 'storefront',
    roomId: null,
    shopId: shop.id,
    creatorId: null,
    unitPrice: blueMWool.price,
    amount: 2 * blueMWool.price,
    currency: 'USD',
  });
  const b = (await order(redSSilk.id, 'snap-00002')).body as PlaceOrderResult;
  expect(b.order.unitPrice).toBe(redSSilk.price);
  expect(await poolOf(redis, node, product.id, blueMWool.id)).toMatchObject({ left: 8, total: 10 });
  expect(await poolOf(redis, node, product.id, redSSilk.id)).toMatchObject({ left: 9, total: 10 });

  // The shop edits title and that SKU's price: placed orders keep what they bought; new ones get the new version.
  const edited = await api<ShopProduct>(node.url, 'PATCH', `/api/products/${product.id}`, creator, {
    title: 'Winter scarf',
    skus: [{ id: blueMWool.id, price: 9_999, code: 'SC-BMW-2' }],
  });
  expect(edited.status).toBe(200);
  const c = (await order(blueMWool.id, 'snap-00003')).body as PlaceOrderResult;
  expect(c.order).toMatchObject({ unitPrice: 9_999, title: 'Winter scarf' });

  const lines = await ledgerLines(node, product.id);
  expect(lines.map((l) => [l.title, l.unit_price, l.product_version, l.sku_code, l.options, l.image_url])).toEqual([
    ['Scarf', blueMWool.price, 1, 'SC-Blue-M-Wool', ['Blue', 'M', 'Wool'], 'https://img.example.com/scarf.jpg'],
    ['Scarf', redSSilk.price, 1, 'SC-Red-S-Silk', ['Red', 'S', 'Silk'], 'https://img.example.com/scarf.jpg'],
    ['Winter scarf', 9_999, 2, 'SC-BMW-2', ['Blue', 'M', 'Wool'], 'https://img.example.com/scarf.jpg'],
  ]);
  // Storefront: no creator credited, no commission.
  expect(lines.every((l) => l.creator_id === null && l.commission_rate_bps === null && l.commission_amount === 0)).toBe(true);
  const again = await api<Order>(node.url, 'GET', `/api/orders/${first.id}`, buyer);
  expect(again.body).toMatchObject({ title: 'Scarf', unitPrice: blueMWool.price, amount: 2 * blueMWool.price });

  // Archived: a typed refusal on every SKU, nothing reserved; unarchived, it sells again with the stock it kept.
  expect((await api(node.url, 'POST', `/api/products/${product.id}/archive`, creator)).status).toBe(200);
  const refused = await order(redSSilk.id, 'snap-00004');
  expect(refused.status).toBe(409);
  expect((refused.body as ErrorBody).error.details).toMatchObject({ reason: 'ARCHIVED' });
  expect(await poolOf(redis, node, product.id, redSSilk.id)).toMatchObject({ left: 9, total: 10 });
  expect(await redis.hget(`${node.prefix}catalog:stock:${product.id}:${redSSilk.id}`, 'state')).toBe('ended');
  expect((await api(node.url, 'POST', `/api/products/${product.id}/unarchive`, creator)).status).toBe(200);
  expect((await order(redSSilk.id, 'snap-00005')).status).toBe(201);
  // The orders are paid like any other (same payment path).
  const mine = await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', buyer);
  const final = await waitFinal(
    node,
    buyer,
    mine.body.orders.map((o) => o.id),
  );
  expect(final.map((o) => o.status)).toEqual(['paid', 'paid', 'paid', 'paid']);
});
