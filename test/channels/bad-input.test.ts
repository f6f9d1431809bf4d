import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { liveRoomWithProduct, startCommerce } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop } from '../shops/fixtures.ts';
import { creatorWithShop, type ErrorBody, poolOf, room, simpleShopProduct } from './fixtures.ts';

const t = useTeardown();

it('bad shop orders, selections and stock changes get typed errors and change nothing', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, 10);
  const sku = product.skus[0]!;
  const { product: roomProduct } = await liveRoomWithProduct(node, { stock: 5 });
  const ownRoom = await room(node, creator);
  const buyer = await devToken(node.url, { userId: 'b1', name: 'b1', role: 'viewer' });
  const before = await poolOf(redis, node, product.id, sku.id);
  const ordersCount = async () => (await node.node.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]!.n;

  const good = { productId: product.id, skuId: sku.id, quantity: 1, idempotencyKey: 'bad-000001', channel: 'storefront' };
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['negative quantity', { ...good, quantity: -1 }, 400, 'BAD_REQUEST'],
    ['zero quantity', { ...good, quantity: 0 }, 400, 'BAD_REQUEST'],
    ['huge quantity', { ...good, quantity: 1_000_000 }, 400, 'BAD_REQUEST'],
    ['fractional quantity', { ...good, quantity: 1.5 }, 400, 'BAD_REQUEST'],
    ['live is a socket channel', { ...good, channel: 'live' }, 400, 'BAD_REQUEST'],
    ['unknown channel', { ...good, channel: 'tv' }, 400, 'BAD_REQUEST'],
    ['replay without its room', { ...good, channel: 'replay' }, 400, 'BAD_REQUEST'],
    ['storefront naming a room', { ...good, roomId: ownRoom.id }, 400, 'BAD_REQUEST'],
    ['an extra field', { ...good, price: 1 }, 400, 'BAD_REQUEST'],
    ['unknown SKU', { ...good, skuId: 'nope' }, 404, 'NOT_FOUND'],
    ['unknown product', { ...good, productId: 'nope' }, 404, 'NOT_FOUND'],
    ["a room's own product", { ...good, productId: roomProduct.id, skuId: 'std' }, 404, 'NOT_FOUND'],
    ['a replay of a room that never selected it', { ...good, channel: 'clip', roomId: ownRoom.id }, 404, 'NOT_FOUND'],
    ['a sale that does not exist', { ...good, saleId: 'nosale' }, 404, 'NOT_FOUND'],
  ];
  for (const [what, body, status, code] of cases) {
    const res = await api<ErrorBody>(node.url, 'POST', '/api/orders', buyer, body);
    expect([what, res.status, res.body.error?.code]).toEqual([what, status, code]);
  }
  expect((await api(node.url, 'POST', '/api/orders', undefined, good)).status).toBe(401);

  // Selection: another creator's room, a product of another merchant, a body with junk.
  const c2 = await devToken(node.url, { userId: 'c2', name: 'c2', role: 'creator' });
  const r2 = await room(node, c2, { live: false });
  expect((await api<ErrorBody>(node.url, 'POST', `/api/rooms/${r2.id}/selection`, creator, { productId: product.id })).status).toBe(403);
  const merchant = await devToken(node.url, { userId: 'm1', name: 'm1', role: 'merchant' });
  const mshop = await openShop(node, merchant, { name: 'M1 Goods', currency: 'USD' });
  const mproduct = await simpleShopProduct(node, merchant, mshop.id, 5);
  const notOpen = await api<ErrorBody>(node.url, 'POST', `/api/rooms/${ownRoom.id}/selection`, creator, { productId: mproduct.id });
  expect([notOpen.status, notOpen.body.error.code]).toEqual([403, 'FORBIDDEN']);
  expect((await api(node.url, 'POST', `/api/rooms/${ownRoom.id}/selection`, creator, { productId: product.id, x: 1 })).status).toBe(400);

  // Stock: another merchant's product, an unknown SKU, withdrawing more than is left, a restock past the cap.
  const stock = (token: string, productId: string, body: Record<string, unknown>) =>
    api<ErrorBody>(node.url, 'POST', `/api/products/${productId}/stock`, token, body);
  expect((await stock(merchant, product.id, { skuId: sku.id, delta: 5 })).status).toBe(403);
  expect((await stock(creator, product.id, { skuId: 'nope', delta: 5 })).status).toBe(404);
  const tooMany = await stock(creator, product.id, { skuId: sku.id, delta: -11 });
  expect([tooMany.status, tooMany.body.error.code]).toEqual([409, 'CONFLICT']);
  const overCap = await stock(creator, product.id, { skuId: sku.id, delta: 999_999 });
  expect(overCap.body.error.code).toBe('QUOTA_EXCEEDED');
  expect((await stock(creator, product.id, { skuId: sku.id, delta: 0 })).status).toBe(400);

  // Nothing changed: no order, the pool and the durable total as they were, no selection.
  expect(await ordersCount()).toBe(0);
  expect(await poolOf(redis, node, product.id, sku.id)).toEqual(before);
  const { rows } = await node.node.ctx.db.query('SELECT stock_adjusted FROM shop_skus WHERE id = $1', [sku.id]);
  expect(rows[0].stock_adjusted).toBe(0);
  expect((await api<{ products: unknown[] }>(node.url, 'GET', `/api/rooms/${ownRoom.id}/products`, creator)).body.products).toEqual([]);
});

it('a shop SKU restock and withdrawal move the durable total and the shared pool together', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, 10);
  const sku = product.skus[0]!;
  const adjust = (delta: number) => api(node.url, 'POST', `/api/products/${product.id}/stock`, creator, { skuId: sku.id, delta });
  expect((await adjust(15)).status).toBe(200);
  expect((await adjust(-5)).status).toBe(200);
  const { rows } = await node.node.ctx.db.query('SELECT initial_stock + stock_adjusted AS total FROM shop_skus WHERE id = $1', [sku.id]);
  expect(rows[0].total).toBe(20);
  expect(await poolOf(redis, node, product.id, sku.id)).toMatchObject({ left: 20, total: 20 });
});
