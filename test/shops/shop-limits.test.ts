import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, rowCounts, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('one shop per owner account by default, even when several are opened at once (QUOTA_EXCEEDED SHOPS_PER_OWNER)', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const tries = await Promise.all(
    Array.from({ length: 5 }, (_, i) => api<ErrorBody>(node.url, 'POST', '/api/shops', merchant, { name: `Shop ${i}`, currency: 'CNY' })),
  );
  expect(tries.filter((r) => r.status === 201)).toHaveLength(1);
  for (const r of tries.filter((x) => x.status !== 201)) {
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([429, 'QUOTA_EXCEEDED', { limit: 'SHOPS_PER_OWNER', max: 1 }]);
    expect(r.body.error.message).toMatch(/GET \/api\/me\/shops/);
  }
  // An admin opening one for that owner is held to the same limit.
  const admin = await tokenAs(node, 'root', 'admin');
  const forOwner = await api<ErrorBody>(node.url, 'POST', '/api/shops', admin, { name: 'More', currency: 'CNY', ownerId: 'm1' });
  expect([forOwner.status, forOwner.body.error.code]).toEqual([429, 'QUOTA_EXCEEDED']);
  // Other owners are not affected.
  await openShop(node, await tokenAs(node, 'm2', 'merchant'));
  expect((await rowCounts(node)).shops).toBe(2);
});

it('SHOPS_PER_OWNER is configurable', async () => {
  const node = t.add(await startNode({ SHOPS_PER_OWNER: '2' }));
  const creator = await tokenAs(node, 'c1', 'creator');
  await openShop(node, creator);
  await openShop(node, creator);
  const third = await api<ErrorBody>(node.url, 'POST', '/api/shops', creator, { name: 'Third', currency: 'CNY' });
  expect([third.status, third.body.error.details]).toEqual([429, { limit: 'SHOPS_PER_OWNER', max: 2 }]);
});

it('a shop has at most 50 staff (QUOTA_EXCEEDED STAFF_PER_SHOP); re-adding one already there is fine', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  for (let i = 0; i < 50; i++) expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st${i}`, merchant)).status).toBe(200);
  const over = await api<ErrorBody>(node.url, 'PUT', `/api/shops/${shop.id}/staff/st50`, merchant);
  expect([over.status, over.body.error.code, over.body.error.details]).toEqual([
    429,
    'QUOTA_EXCEEDED',
    { limit: 'STAFF_PER_SHOP', max: 50 },
  ]);
  expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st7`, merchant)).status).toBe(200);
  expect((await rowCounts(node)).staff).toBe(50);
  // Removing one frees a place.
  await api(node.url, 'DELETE', `/api/shops/${shop.id}/staff/st0`, merchant);
  expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st50`, merchant)).status).toBe(200);
});

it('a shop holds at most PRODUCTS_PER_SHOP products, racing creates included; deleting one frees its place', async () => {
  const node = t.add(await startNode({ PRODUCTS_PER_SHOP: '3' }));
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const first = await addProduct(node, merchant, shop.id, simpleProduct());
  const tries = await Promise.all(
    Array.from({ length: 6 }, () => api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, simpleProduct())),
  );
  expect(tries.filter((r) => r.status === 201)).toHaveLength(2);
  for (const r of tries.filter((x) => x.status !== 201)) {
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([429, 'QUOTA_EXCEEDED', { limit: 'PRODUCTS_PER_SHOP', max: 3 }]);
  }
  expect(await rowCounts(node)).toMatchObject({ products: 3, skus: 3 });
  // Archived products still count; a deleted one does not.
  await api(node.url, 'POST', `/api/products/${first.id}/archive`, merchant);
  expect((await api(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, simpleProduct())).status).toBe(429);
  await api(node.url, 'DELETE', `/api/products/${first.id}`, merchant);
  expect((await api(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, simpleProduct())).status).toBe(201);
});

it('a product body over SHOP_PRODUCT_MAX_BYTES is refused before anything is written', async () => {
  const node = t.add(await startNode({ SHOP_PRODUCT_MAX_BYTES: '4096' }));
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const p = await addProduct(node, merchant, shop.id, simpleProduct());
  const before = await rowCounts(node);
  // Valid by every schema rule (a 4,500-character description), only too big.
  const big = simpleProduct({ description: 'x'.repeat(4_500) });
  const create = await api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, big);
  expect([create.status, create.body.error.code, create.body.error.details]).toEqual([
    413,
    'BAD_REQUEST',
    { limit: 'SHOP_PRODUCT_MAX_BYTES', max: 4096 },
  ]);
  const edit = await api<ErrorBody>(node.url, 'PATCH', `/api/products/${p.id}`, merchant, { description: 'x'.repeat(4_500) });
  expect([edit.status, edit.body.error.details]).toEqual([413, { limit: 'SHOP_PRODUCT_MAX_BYTES', max: 4096 }]);
  // Refused before authentication: a stranger's oversized body gets the same answer and still changes nothing.
  const stranger = await api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/products`, undefined, big);
  expect(stranger.status).toBe(413);
  expect(await rowCounts(node)).toEqual(before);
  expect((await api<{ version: number }>(node.url, 'GET', `/api/products/${p.id}`)).body.version).toBe(1);
});
