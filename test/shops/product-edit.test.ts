import { expect, it } from 'vitest';
import type { ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('each edit is one new version of that product only; SKUs keep their ids, order and stock', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const body = simpleProduct({
    attributes: [
      { name: 'Colour', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['S', 'M'] },
    ],
    skus: [
      { values: ['Red', 'S'], code: 'R-S', price: 1_000, compareAtPrice: 1_200, stock: 5 },
      { values: ['Blue', 'M'], code: 'B-M', price: 1_100, stock: 6 },
    ],
  });
  const p = await addProduct(node, merchant, shop.id, body);
  const other = await addProduct(node, merchant, shop.id, simpleProduct({ title: 'Other' }));
  const edit = (token: string, patch: unknown) => api<ShopProduct & ErrorBody>(node.url, 'PATCH', `/api/products/${p.id}`, token, patch);

  // A title edit: version 2, the rest as it was.
  const v2 = await edit(merchant, { title: 'Jade bracelet, polished' });
  expect(v2.status).toBe(200);
  expect(v2.body).toEqual({ ...p, title: 'Jade bracelet, polished', version: 2, updatedAt: v2.body.updatedAt });
  expect(v2.body.updatedAt).toBeGreaterThanOrEqual(p.updatedAt);

  // A stale expectedVersion is refused and changes nothing.
  const stale = await edit(merchant, { expectedVersion: 1, title: 'Lost update' });
  expect([stale.status, stale.body.error.code]).toEqual([409, 'CONFLICT']);
  expect((await api<ShopProduct>(node.url, 'GET', `/api/products/${p.id}`)).body).toEqual(v2.body);

  // Many changes in one edit are still one version: fields, images reordered, SKU codes swapped, a compare-at removed,
  // a value and a SKU added.
  const [rs, bm] = p.skus;
  const v3 = await edit(merchant, {
    expectedVersion: 2,
    description: 'Hand polished.',
    images: ['https://img.example.com/b.jpg', 'https://img.example.com/a.jpg'],
    category: 'jewellery.bangles',
    skus: [
      { id: rs!.id, code: 'B-M', price: 900, compareAtPrice: null },
      { id: bm!.id, code: 'R-S', compareAtPrice: 1_500 },
    ],
    addValues: [{ attribute: 'size', values: ['L'] }],
    addSkus: [{ values: ['Red', 'L'], code: 'R-L', price: 1_300, stock: 2 }],
  });
  expect(v3.status, JSON.stringify(v3.body)).toBe(200);
  expect(v3.body).toMatchObject({
    version: 3,
    title: 'Jade bracelet, polished',
    description: 'Hand polished.',
    images: ['https://img.example.com/b.jpg', 'https://img.example.com/a.jpg'],
    category: 'jewellery.bangles',
    attributes: [
      { name: 'Colour', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['S', 'M', 'L'] },
    ],
  });
  expect(v3.body.skus).toEqual([
    { id: rs!.id, values: ['Red', 'S'], code: 'B-M', price: 900, compareAtPrice: null, initialStock: 5 },
    { id: bm!.id, values: ['Blue', 'M'], code: 'R-S', price: 1_100, compareAtPrice: 1_500, initialStock: 6 },
    { id: v3.body.skus[2]!.id, values: ['Red', 'L'], code: 'R-L', price: 1_300, compareAtPrice: null, initialStock: 2 },
  ]);

  // A staff member's edit counts the same.
  await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st1`, merchant);
  const v4 = await edit(await tokenAs(node, 'st1', 'viewer'), { title: 'By staff' });
  expect([v4.status, v4.body.version]).toEqual([200, 4]);

  // The other product never moved.
  expect((await api<ShopProduct>(node.url, 'GET', `/api/products/${other.id}`)).body).toEqual(other);
});

it('two edits racing from the same version: one wins, the other is told to read again', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const p = await addProduct(node, merchant, shop.id, simpleProduct());
  const results = await Promise.all(
    ['First', 'Second', 'Third', 'Fourth'].map((title) =>
      api<ShopProduct & ErrorBody>(node.url, 'PATCH', `/api/products/${p.id}`, merchant, { expectedVersion: 1, title }),
    ),
  );
  const won = results.filter((r) => r.status === 200);
  expect(won).toHaveLength(1);
  expect(results.filter((r) => r.status === 409 && r.body.error.code === 'CONFLICT')).toHaveLength(3);
  const now = (await api<ShopProduct>(node.url, 'GET', `/api/products/${p.id}`)).body;
  expect([now.version, now.title]).toEqual([2, won[0]!.body.title]);

  // Without expectedVersion, concurrent edits all apply, each its own version.
  await Promise.all(['a', 'b', 'c'].map((d) => api(node.url, 'PATCH', `/api/products/${p.id}`, merchant, { description: d })));
  expect((await api<ShopProduct>(node.url, 'GET', `/api/products/${p.id}`)).body.version).toBe(5);
});
