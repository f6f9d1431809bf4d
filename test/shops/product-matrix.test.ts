import { expect, it } from 'vitest';
import type { CreateShopProductBody, ShopProduct, ShopProductList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, rowCounts, tokenAs } from './fixtures.ts';

const t = useTeardown();

const COLOURS = ['Crimson', 'Navy', 'Moss'];
const SIZES = ['S', 'M', 'L', 'XL'];
const MATERIALS = ['Cotton', 'Linen'];

it('a three-attribute product with its full SKU matrix is created and read back exactly, in order', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant, { currency: 'USD' });

  // Every combination, deliberately not in any sorted order (size outermost, then material, then colour reversed),
  // each with its own code, price and stock, some with a compare-at price.
  const skus: CreateShopProductBody['skus'] = [];
  for (const size of SIZES) {
    for (const material of MATERIALS) {
      for (const colour of [...COLOURS].reverse()) {
        const n = skus.length;
        skus.push({
          values: [colour, size, material],
          code: `TEE-${colour.slice(0, 3).toUpperCase()}-${size}-${material[0]}`,
          price: 1_900 + n * 10,
          ...(n % 3 === 0 ? { compareAtPrice: 2_900 + n * 10 } : {}),
          stock: n,
        });
      }
    }
  }
  expect(skus).toHaveLength(24);
  const body: CreateShopProductBody = {
    title: 'Everyday tee',
    description: 'Soft and breathable.\n\nMachine wash cold.',
    images: ['https://img.example.com/tee-front.jpg', 'https://img.example.com/tee-back.jpg', 'https://img.example.com/tee-detail.jpg'],
    category: 'apparel.tshirts',
    attributes: [
      { name: 'Colour', values: COLOURS },
      { name: 'Size', values: SIZES },
      { name: 'Material', values: MATERIALS },
    ],
    skus,
  };
  const created = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, body);
  expect(created.status).toBe(201);
  const product = created.body;
  expect(product).toMatchObject({
    shopId: shop.id,
    status: 'active',
    version: 1,
    title: 'Everyday tee',
    description: 'Soft and breathable.\n\nMachine wash cold.',
    images: body.images,
    category: 'apparel.tshirts',
    currency: 'USD',
    attributes: body.attributes,
    archivedAt: null,
  });
  // Each SKU as sent, in the order sent, with its own id.
  expect(product.skus.map(({ id: _id, ...s }) => s)).toEqual(
    skus.map((s) => ({ values: s.values, code: s.code, price: s.price, compareAtPrice: s.compareAtPrice ?? null, initialStock: s.stock })),
  );
  expect(new Set(product.skus.map((s) => s.id)).size).toBe(24);

  // Read back by anyone (no token): the same product.
  const read = await api<ShopProduct>(node.url, 'GET', `/api/products/${product.id}`);
  expect(read.status).toBe(200);
  expect(read.body).toEqual(product);
  expect(await rowCounts(node)).toMatchObject({ products: 1, skus: 24 });

  // The shop's listing summarises it: cover image, price range, SKU count.
  const list = await api<ShopProductList>(node.url, 'GET', `/api/shops/${shop.id}/products`);
  expect(list.body).toEqual({
    products: [
      {
        id: product.id,
        shopId: shop.id,
        status: 'active',
        version: 1,
        title: 'Everyday tee',
        image: 'https://img.example.com/tee-front.jpg',
        category: 'apparel.tshirts',
        currency: 'USD',
        minPrice: 1_900,
        maxPrice: 1_900 + 23 * 10,
        skuCount: 24,
        createdAt: product.createdAt,
        updatedAt: product.updatedAt,
      },
    ],
    nextCursor: null,
  });
});

it('a product without attributes has one SKU with an empty combination; a partial matrix is fine', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const simple = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, {
    title: 'Gift card',
    images: ['https://img.example.com/card.png'],
    category: 'gifts',
    skus: [{ values: [], code: 'GIFT', price: 5_000, stock: 1_000 }],
  });
  expect(simple.status).toBe(201);
  expect(simple.body).toMatchObject({ attributes: [], description: '', skus: [{ values: [], code: 'GIFT', initialStock: 1_000 }] });

  // Two of the four combinations of 2 x 2.
  const partial = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.id}/products`, merchant, {
    title: 'Socks',
    images: ['https://img.example.com/socks.png'],
    category: 'apparel.socks',
    attributes: [
      { name: 'Colour', values: ['Black', 'White'] },
      { name: 'Size', values: ['M', 'L'] },
    ],
    skus: [
      { values: ['White', 'L'], code: 'SOCK-W-L', price: 900, stock: 3 },
      { values: ['Black', 'M'], code: 'SOCK-B-M', price: 900, stock: 4 },
    ],
  });
  expect(partial.status).toBe(201);
  expect(partial.body.skus.map((s) => s.values)).toEqual([
    ['White', 'L'],
    ['Black', 'M'],
  ]);
});
