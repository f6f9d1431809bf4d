import { expect, it } from 'vitest';
import type { CreateShopProductBody, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, rowCounts, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const sku = (vals: string[], code: string, price = 1_000, extra: Record<string, unknown> = {}) => ({
  values: vals,
  code,
  price,
  stock: 1,
  ...extra,
});
const twoByTwo = (over: Partial<CreateShopProductBody> = {}): CreateShopProductBody =>
  simpleProduct({
    attributes: [
      { name: 'Colour', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['S', 'M'] },
    ],
    skus: [sku(['Red', 'S'], 'A'), sku(['Blue', 'M'], 'B')],
    ...over,
  });

/** Each bad body: what it breaks, the answer (status, code, the limit or the path of the first issue). */
const BAD_CREATES: { what: string; body: unknown; status: number; code: string; limit?: string; path?: string }[] = [
  // Attribute explosions.
  {
    what: 'four attributes',
    body: simpleProduct({
      attributes: ['A', 'B', 'C', 'D'].map((name) => ({ name, values: ['x'] })),
      skus: [sku(['x', 'x', 'x', 'x'], 'A')],
    }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    what: 'an attribute with 21 values',
    body: simpleProduct({ attributes: [{ name: 'Size', values: values('S', 21) }], skus: [sku(['S1'], 'A')] }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    what: 'a 10 x 10 x 3 matrix (300 combinations) even with one SKU',
    body: simpleProduct({
      attributes: [
        { name: 'Colour', values: values('C', 10) },
        { name: 'Size', values: values('S', 10) },
        { name: 'Fit', values: values('F', 3) },
      ],
      skus: [sku(['C1', 'S1', 'F1'], 'A')],
    }),
    status: 429,
    code: 'QUOTA_EXCEEDED',
    limit: 'SKUS_PER_PRODUCT',
  },
  {
    what: 'a 20 x 20 x 20 matrix',
    body: simpleProduct({
      attributes: ['A', 'B', 'C'].map((name) => ({ name, values: values(name, 20) })),
      skus: [sku(['A1', 'B1', 'C1'], 'A')],
    }),
    status: 429,
    code: 'QUOTA_EXCEEDED',
    limit: 'SKUS_PER_PRODUCT',
  },
  {
    what: '201 SKUs',
    body: simpleProduct({
      attributes: [
        { name: 'A', values: values('a', 20) },
        { name: 'B', values: values('b', 11) },
      ],
      skus: Array.from({ length: 201 }, (_, i) => sku([`a${(i % 20) + 1}`, `b${Math.floor(i / 20) + 1}`], `K${i}`)),
    }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  // Prices.
  {
    what: 'compare-at equal to the price',
    body: simpleProduct({ skus: [sku([], 'A', 1_000, { compareAtPrice: 1_000 })] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.compareAtPrice',
  },
  {
    what: 'compare-at below the price',
    body: simpleProduct({ skus: [sku([], 'A', 1_000, { compareAtPrice: 999 })] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.compareAtPrice',
  },
  { what: 'a negative price', body: simpleProduct({ skus: [sku([], 'A', -1)] }), status: 400, code: 'BAD_REQUEST', path: 'skus.0.price' },
  { what: 'a zero price', body: simpleProduct({ skus: [sku([], 'A', 0)] }), status: 400, code: 'BAD_REQUEST', path: 'skus.0.price' },
  {
    what: 'a huge price',
    body: simpleProduct({ skus: [sku([], 'A', 1_000_000_001)] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.price',
  },
  {
    what: 'a fractional price',
    body: simpleProduct({ skus: [sku([], 'A', 10.5)] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.price',
  },
  {
    what: 'a huge compare-at',
    body: simpleProduct({ skus: [sku([], 'A', 1_000, { compareAtPrice: 2e9 })] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.compareAtPrice',
  },
  {
    what: 'negative stock',
    body: simpleProduct({ skus: [sku([], 'A', 1_000, { stock: -1 })] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.stock',
  },
  {
    what: 'stock past the SKU cap',
    body: simpleProduct({ skus: [sku([], 'A', 1_000, { stock: 1_000_001 })] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.stock',
  },
  // SKUs against the attributes.
  {
    what: 'a duplicate code',
    body: twoByTwo({ skus: [sku(['Red', 'S'], 'SAME'), sku(['Blue', 'M'], 'SAME')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.1.code',
  },
  {
    what: 'an unknown attribute value',
    body: twoByTwo({ skus: [sku(['Red', 'XXL'], 'A')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.values.1',
  },
  {
    what: 'a value of another attribute',
    body: twoByTwo({ skus: [sku(['S', 'Red'], 'A')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.values.0',
  },
  {
    what: 'a value in another case',
    body: twoByTwo({ skus: [sku(['red', 'S'], 'A')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.values.0',
  },
  { what: 'too few values', body: twoByTwo({ skus: [sku(['Red'], 'A')] }), status: 400, code: 'BAD_REQUEST', path: 'skus.0.values' },
  {
    what: 'values without attributes',
    body: simpleProduct({ skus: [sku(['Red'], 'A')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.values',
  },
  {
    what: 'a combination twice',
    body: twoByTwo({ skus: [sku(['Red', 'S'], 'A'), sku(['Red', 'S'], 'B')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.1.values',
  },
  {
    what: 'attribute names equal but for case',
    body: twoByTwo({
      attributes: [
        { name: 'Colour', values: ['Red'] },
        { name: 'colour', values: ['Blue'] },
      ],
      skus: [sku(['Red', 'Blue'], 'A')],
    }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'attributes.1.name',
  },
  {
    what: 'a value twice',
    body: simpleProduct({ attributes: [{ name: 'Size', values: ['M', 'm'] }], skus: [sku(['M'], 'A')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'attributes.0.values.1',
  },
  // The rest of the product.
  { what: 'no image', body: simpleProduct({ images: [] }), status: 400, code: 'BAD_REQUEST', path: 'images' },
  {
    what: 'ten images',
    body: simpleProduct({ images: values('https://img.example.com/', 10) }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'images',
  },
  {
    what: 'a javascript: image',
    body: simpleProduct({ images: ['javascript:alert(1)'] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'images.0',
  },
  {
    what: 'a category with spaces',
    body: simpleProduct({ category: 'shoes and bags' }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'category',
  },
  {
    what: 'a description past 5,000 characters',
    body: simpleProduct({ description: 'x'.repeat(5_001) }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'description',
  },
  { what: 'an empty title', body: simpleProduct({ title: '  ' }), status: 400, code: 'BAD_REQUEST', path: 'title' },
  {
    what: 'a SKU code with spaces',
    body: simpleProduct({ skus: [sku([], 'A B')] }),
    status: 400,
    code: 'BAD_REQUEST',
    path: 'skus.0.code',
  },
  { what: 'no SKU', body: simpleProduct({ skus: [] }), status: 400, code: 'BAD_REQUEST', path: 'skus' },
  { what: 'an unknown field', body: { ...simpleProduct(), stockLeft: 5 }, status: 400, code: 'BAD_REQUEST' },
];

it('every bad product gets a typed error naming the limit or the field, and nothing is created', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  await addProduct(node, merchant, shop.id, simpleProduct());
  const before = await rowCounts(node);
  for (const bad of BAD_CREATES) {
    const res = await api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, bad.body);
    expect([res.status, res.body.error?.code], bad.what).toEqual([bad.status, bad.code]);
    if (bad.limit) expect(res.body.error.details, bad.what).toEqual({ limit: bad.limit, max: 200 });
    if (bad.path) {
      const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
      expect(paths[0], `${bad.what}: ${res.body.error.message}`).toBe(bad.path);
    }
    expect(res.body.error.message.length, bad.what).toBeGreaterThan(10);
  }
  expect(await rowCounts(node)).toEqual(before);
});

it('edits that would break a rule are refused the same way, and the product keeps its version', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  // 10 x 10 x 2 = 200 combinations: the matrix is full.
  const full = await addProduct(
    node,
    merchant,
    shop.id,
    simpleProduct({
      attributes: [
        { name: 'Colour', values: values('C', 10) },
        { name: 'Size', values: values('S', 10) },
        { name: 'Fit', values: ['Slim', 'Loose'] },
      ],
      skus: [sku(['C1', 'S1', 'Slim'], 'A', 1_000, { compareAtPrice: 1_500 }), sku(['C2', 'S2', 'Loose'], 'B')],
    }),
  );
  const [a, b] = full.skus;
  const before = await rowCounts(node);
  const BAD_EDITS: { what: string; body: unknown; status: number; code: string; limit?: string; max?: number; path?: string }[] = [
    {
      what: 'a value that takes the matrix past 200',
      body: { addValues: [{ attribute: 'Fit', values: ['Regular'] }] },
      status: 429,
      code: 'QUOTA_EXCEEDED',
      limit: 'SKUS_PER_PRODUCT',
      max: 200,
    },
    {
      what: 'an attribute past 20 values',
      body: { addValues: [{ attribute: 'Colour', values: values('X', 11) }] },
      status: 429,
      code: 'QUOTA_EXCEEDED',
      limit: 'VALUES_PER_ATTRIBUTE',
      max: 20,
    },
    {
      what: 'a value it already has (other case)',
      body: { addValues: [{ attribute: 'fit', values: ['slim'] }] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'addValues.0.values.0',
    },
    {
      what: 'a value of an attribute it does not have',
      body: { addValues: [{ attribute: 'Pattern', values: ['Plain'] }] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'addValues.0.attribute',
    },
    {
      what: 'a price at its compare-at',
      body: { skus: [{ id: a!.id, price: 1_500 }] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'skus.0.compareAtPrice',
    },
    {
      what: 'a compare-at under the price',
      body: { skus: [{ id: b!.id, compareAtPrice: 500 }] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'skus.0.compareAtPrice',
    },
    { what: "another SKU's code", body: { skus: [{ id: b!.id, code: 'A' }] }, status: 400, code: 'BAD_REQUEST', path: 'skus.0.code' },
    {
      what: 'a SKU it does not have',
      body: { skus: [{ id: 'nosuchsku', price: 5 }] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'skus.0.id',
    },
    {
      what: 'the same SKU twice',
      body: {
        skus: [
          { id: a!.id, price: 5 },
          { id: a!.id, price: 6 },
        ],
      },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'skus.1.id',
    },
    {
      what: 'a new SKU with an existing combination',
      body: { addSkus: [sku(['C1', 'S1', 'Slim'], 'NEW')] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'addSkus.0.values',
    },
    {
      what: 'a new SKU with an existing code',
      body: { addSkus: [sku(['C3', 'S3', 'Slim'], 'A')] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'addSkus.0.code',
    },
    {
      what: 'a new SKU with an unknown value',
      body: { addSkus: [sku(['C3', 'S3', 'Baggy'], 'NEW')] },
      status: 400,
      code: 'BAD_REQUEST',
      path: 'addSkus.0.values.2',
    },
    { what: 'a negative price', body: { skus: [{ id: b!.id, price: -5 }] }, status: 400, code: 'BAD_REQUEST', path: 'skus.0.price' },
    { what: "a SKU's stock (the stock module's)", body: { skus: [{ id: b!.id, stock: 5 }] }, status: 400, code: 'BAD_REQUEST' },
    { what: 'nothing', body: { expectedVersion: 1 }, status: 400, code: 'BAD_REQUEST' },
  ];
  for (const bad of BAD_EDITS) {
    const res = await api<ErrorBody>(node.url, 'PATCH', `/api/products/${full.id}`, merchant, bad.body);
    expect([res.status, res.body.error?.code], `${bad.what}: ${res.body.error?.message}`).toEqual([bad.status, bad.code]);
    if (bad.limit) expect(res.body.error.details, bad.what).toEqual({ limit: bad.limit, max: bad.max });
    if (bad.path) expect((res.body.error.details as { path: string }[])[0]?.path, `${bad.what}: ${res.body.error.message}`).toBe(bad.path);
  }
  expect(await rowCounts(node)).toEqual(before);
  expect((await api<ShopProduct>(node.url, 'GET', `/api/products/${full.id}`)).body).toEqual(full);
});
