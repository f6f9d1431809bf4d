import { expect, it } from 'vitest';
import type { FlashSale, PlaceOrderResult, Product, StockUpdate } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, scheduleSale, startCommerce } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop } from '../shops/fixtures.ts';
import { creatorWithShop, type ErrorBody, ledgerLines, poolOf, room, select, simpleShopProduct } from './fixtures.ts';

const t = useTeardown();

it('a selected shop product sells in the live from the shared pool, keeps selling through its link and the replay after the room ends, and a sale price dies with the sale', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const sku = product.skus[0]!;
  const r = await room(node, creator);

  const selected = await select(node, creator, r.id, product.id);
  expect(selected).toMatchObject({ id: product.id, roomId: r.id, shopId: shop.id, price: 5_000, version: 1 });
  expect(selected.skus[0]).toMatchObject({ id: sku.id, price: 5_000, code: 'JADE-1', left: 20, total: 20 });
  expect((await select(node, creator, r.id, product.id)).id).toBe(product.id); // idempotent
  const list = await api<{ products: Product[] }>(node.url, 'GET', `/api/rooms/${r.id}/products`, creator);
  expect(list.body.products.map((p) => p.id)).toEqual([product.id]);
  // Pinned like any room product.
  expect((await api(node.url, 'PUT', `/api/rooms/${r.id}/pin`, creator, { productId: product.id })).status).toBe(200);

  // In the live: order:place, credited to the room's creator (their own shop: no commission).
  const v = await joinedViewer(t, node, r.id, { userId: 'v1' });
  const stockUpdates: StockUpdate[] = [];
  v.socket.on('stock:update', (u) => stockUpdates.push(u));
  const live = ok(
    await call(v.socket, 'order:place', { roomId: r.id, productId: product.id, skuId: sku.id, quantity: 2, idempotencyKey: 'live-0001' }),
  ) as PlaceOrderResult;
  expect(live.order).toMatchObject({ channel: 'live', roomId: r.id, shopId: shop.id, creatorId: 'c1', unitPrice: 5_000 });
  // The shared pool's changes reach every room that lists the product, as for a room product.
  await waitFor('stock:update of the shared pool', () =>
    stockUpdates.some((u) => u.roomId === r.id && u.skus.some((k) => k.productId === product.id && k.skuId === sku.id && k.left === 18)),
  );

  // A flash sale allocates from the shared pool; a storefront buyer may buy at its price while it runs.
  const sale = await scheduleSale(node, creator, r.id, product.id, { skuId: sku.id, quantity: 5, salePrice: 3_000, perBuyerLimit: 2 });
  expect(await poolOf(redis, node, product.id, sku.id)).toMatchObject({ allocated: 5, total: 20 });
  const buyer = await devToken(node.url, { userId: 'b1', name: 'b1', role: 'viewer' });
  const shopOrder = (body: Record<string, unknown>) =>
    api<PlaceOrderResult | ErrorBody>(node.url, 'POST', '/api/orders', buyer, {
      productId: product.id,
      skuId: sku.id,
      quantity: 1,
      channel: 'storefront',
      ...body,
    });
  const atSale = await shopOrder({ idempotencyKey: 'sale-00001', saleId: sale.id });
  expect(atSale.status).toBe(201);
  expect((atSale.body as PlaceOrderResult).order).toMatchObject({ saleId: sale.id, unitPrice: 3_000, channel: 'storefront' });

  // The room ends: its sale ends and gives back what it did not sell; the shared pool keeps selling.
  expect((await api(node.url, 'POST', `/api/rooms/${r.id}/end`, creator)).status).toBe(200);
  await waitFor(
    'sale ended',
    async () => (await api<FlashSale>(node.url, 'GET', `/api/rooms/${r.id}/sales/${sale.id}`, creator)).body.state === 'ended',
  );
  // Units the sale still had reserved when it ended leave `allocated` once their orders settle.
  await waitFor('sale orders settled', async () => (await poolOf(redis, node, product.id, sku.id)).allocated === 0);
  const pool = await poolOf(redis, node, product.id, sku.id);
  expect(pool.left + pool.reserved + pool.sold + pool.allocated).toBe(pool.total);
  expect(await redis.hget(`${node.prefix}catalog:stock:${product.id}:${sku.id}`, 'state')).toBe('live');

  const link = await shopOrder({ idempotencyKey: 'link-00001' });
  expect(link.status).toBe(201);
  expect((link.body as PlaceOrderResult).order).toMatchObject({ channel: 'storefront', roomId: null, unitPrice: 5_000 });
  const replay = await shopOrder({ idempotencyKey: 'replay-0001', channel: 'replay', roomId: r.id });
  expect(replay.status).toBe(201);
  expect((replay.body as PlaceOrderResult).order).toMatchObject({ channel: 'replay', roomId: r.id, creatorId: 'c1' });
  const late = await shopOrder({ idempotencyKey: 'sale-00002', saleId: sale.id });
  expect(late.status).toBe(409);
  expect((late.body as ErrorBody).error.details).toMatchObject({ reason: 'ENDED' });

  const lines = await ledgerLines(node, product.id);
  expect(lines.map((l) => [l.channel, l.room_id, l.creator_id, l.line_creator_id, l.line_agency_id])).toEqual([
    ['live', r.id, 'c1', 'c1', 'ag1'],
    ['storefront', null, null, null, null],
    ['storefront', null, null, null, null],
    ['replay', r.id, 'c1', 'c1', 'ag1'],
  ]);
});

it('only the room staff select, only products open to the room creator, and taking one off a room leaves its shared stock selling', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, 10);
  const r = await room(node, creator, { live: false });
  const sel = (token: string, roomId: string, productId: string) =>
    api<Product | ErrorBody>(node.url, 'POST', `/api/rooms/${roomId}/selection`, token, { productId });
  const listed = async (roomId: string) =>
    (await api<{ products: Product[] }>(node.url, 'GET', `/api/rooms/${roomId}/products`, creator)).body.products.map((p) => p.id);

  // Someone else's room, a viewer, and another creator's own room with c1's product: refused, nothing changes.
  const viewer = await devToken(node.url, { userId: 'v9', name: 'v9', role: 'viewer' });
  expect((await sel(viewer, r.id, product.id)).status).toBe(403);
  const c2 = await devToken(node.url, { userId: 'c2', name: 'c2', role: 'creator' });
  expect((await sel(c2, r.id, product.id)).status).toBe(403);
  const r2 = await room(node, c2, { live: false });
  const notOpen = await sel(c2, r2.id, product.id);
  expect(notOpen.status).toBe(403);
  expect((notOpen.body as ErrorBody).error.code).toBe('FORBIDDEN');
  // A merchant's product is not open to c1 either (default terms: own shop only).
  const merchant = await devToken(node.url, { userId: 'm1', name: 'm1', role: 'merchant' });
  const mshop = await openShop(node, merchant, { name: 'M1 Goods', currency: 'USD' });
  const mproduct = await simpleShopProduct(node, merchant, mshop.id, 5);
  expect((await sel(creator, r.id, mproduct.id)).status).toBe(403);
  expect((await sel(creator, r.id, 'no-such-product')).status).toBe(404);
  expect(await listed(r.id)).toEqual([]);
  expect(await listed(r2.id)).toEqual([]);

  // The agency's moderator may select for the agency's rooms.
  const mod = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });
  expect((await sel(mod, r.id, product.id)).status).toBe(201);
  expect(await listed(r.id)).toEqual([product.id]);

  // Taken off the room: off its list, the shared pool still live and selling on the storefront.
  expect((await api(node.url, 'DELETE', `/api/rooms/${r.id}/selection/${product.id}`, viewer)).status).toBe(403);
  expect((await api(node.url, 'DELETE', `/api/rooms/${r.id}/selection/${product.id}`, creator)).status).toBe(200);
  expect(await listed(r.id)).toEqual([]);
  const sku = product.skus[0]!;
  expect(await redis.hget(`${node.prefix}catalog:stock:${product.id}:${sku.id}`, 'state')).toBe('live');
  const buyer = await devToken(node.url, { userId: 'b1', name: 'b1', role: 'viewer' });
  const res = await api(node.url, 'POST', '/api/orders', buyer, {
    productId: product.id,
    skuId: sku.id,
    quantity: 1,
    idempotencyKey: 'after-0001',
    channel: 'search',
  });
  expect(res.status).toBe(201);
  // Archived products cannot be selected.
  expect((await api(node.url, 'POST', `/api/products/${product.id}/archive`, creator)).status).toBe(200);
  expect((await sel(creator, r.id, product.id)).status).toBe(409);
});
