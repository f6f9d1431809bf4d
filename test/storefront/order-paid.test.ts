import { expect, it } from 'vitest';
import type { PlaceOrderResult, SearchResult, ShopStorefront, StorefrontProductDetail } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startCommerce, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';

const t = useTeardown();

/**
 * The centre field's checkout, end to end on one node with the sandbox gateway: a buyer finds a product by search,
 * reads its shop's storefront and its detail page (signed out), orders it through POST /api/orders with channel
 * 'storefront', and the order is paid; the storefront then shows the shared stock one unit lower.
 */
it('search → storefront → product detail → order on the storefront channel, paid through the sandbox gateway', async () => {
  const { node } = await startCommerce(t);
  const merchant = await tokenAs(node, 'm-sf', 'merchant');
  const shop = await openShop(node, merchant, { name: '茶舍 Tea House', currency: 'CNY' });
  const tea = await addProduct(
    node,
    merchant,
    shop.id,
    simpleProduct({ title: '武夷山 大红袍 Oolong', category: 'tea.oolong', skus: [{ values: [], code: 'DHP', price: 16_800, stock: 5 }] }),
  );

  const found = await api<SearchResult>(node.url, 'GET', `/api/search?q=${encodeURIComponent('大红袍')}&type=products`);
  expect(found.body.products.map((p) => p.id)).toEqual([tea.id]);

  const front = await api<ShopStorefront>(node.url, 'GET', `/api/storefront/shops/${shop.id}`);
  expect(front.status).toBe(200);
  expect(front.body.shop.id).toBe(shop.id);
  expect(front.body.priceRange).toEqual({ min: 16_800, max: 16_800 });
  expect(front.body.products).toEqual([expect.objectContaining({ id: tea.id, stockLeft: 5, inStock: true, liveRooms: [] })]);

  const detail = await api<StorefrontProductDetail>(node.url, 'GET', `/api/storefront/products/${tea.id}`);
  expect(detail.status).toBe(200);
  expect(detail.body.product.id).toBe(tea.id);
  expect(detail.body.product.images).toEqual(tea.images);
  expect(detail.body.shop).toEqual({ id: shop.id, name: '茶舍 Tea House', logoUrl: null });
  expect(detail.body.stock).toEqual([{ skuId: tea.skus[0]!.id, left: 5 }]);

  const buyer = await devToken(node.url, { userId: 'b-sf', name: 'Buyer', role: 'viewer' });
  const placed = await api<PlaceOrderResult>(node.url, 'POST', '/api/orders', buyer, {
    productId: tea.id,
    skuId: detail.body.stock[0]!.skuId,
    quantity: 2,
    idempotencyKey: 'sf-order-1',
    channel: 'storefront',
  });
  expect(placed.status).toBe(201);
  expect(placed.body.order).toMatchObject({ channel: 'storefront', shopId: shop.id, roomId: null, amount: 33_600, currency: 'CNY' });
  const [final] = await waitFinal(node, buyer, [placed.body.order.id]);
  expect(final!.status).toBe('paid');

  const { rows } = await node.node.ctx.db.query(`SELECT channel, status, quantity FROM orders WHERE id = $1`, [placed.body.order.id]);
  expect(rows).toEqual([{ channel: 'storefront', status: 'paid', quantity: 2 }]);
  const after = await api<StorefrontProductDetail>(node.url, 'GET', `/api/storefront/products/${tea.id}`);
  expect(after.body.stock).toEqual([{ skuId: tea.skus[0]!.id, left: 3 }]);
  const frontAfter = await api<ShopStorefront>(node.url, 'GET', `/api/storefront/shops/${shop.id}`);
  expect(frontAfter.body.products[0]).toMatchObject({ id: tea.id, stockLeft: 3 });
});
