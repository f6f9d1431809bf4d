import { expect, it } from 'vitest';
import type { ShopStorefront } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { addProduct, simpleProduct } from '../shops/fixtures.ts';

const t = useTeardown();

it("a shop's storefront lists its active products in stock first, pages them, and names the live rooms selling them", async () => {
  const node = t.add(await startNode());
  const { creator, shop } = await creatorWithShop(node);
  const soldOut = await simpleShopProduct(node, creator, shop.id, 0, 500);
  const a = await simpleShopProduct(node, creator, shop.id, 3, 1_000);
  const b = await addProduct(
    node,
    creator,
    shop.id,
    simpleProduct({
      title: 'Two sizes',
      attributes: [{ name: 'Size', values: ['S', 'M'] }],
      skus: [
        { values: ['S'], code: 'S', price: 2_000, stock: 1 },
        { values: ['M'], code: 'M', price: 3_000, stock: 2 },
      ],
    }),
  );
  const archived = await simpleShopProduct(node, creator, shop.id, 9, 9_000);
  await api(node.url, 'POST', `/api/products/${archived.id}/archive`, creator);

  const read = async (q = '') => {
    const res = await api<ShopStorefront>(node.url, 'GET', `/api/storefront/shops/${shop.id}${q}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const whole = await read();
  // In stock first, newest first within; the archived product is not shown; its price not in the range.
  expect(whole.products.map((p) => p.id)).toEqual([b.id, a.id, soldOut.id]);
  expect(whole.priceRange).toEqual({ min: 500, max: 3_000 });
  expect(whole.products[0]).toMatchObject({ minPrice: 2_000, maxPrice: 3_000, stockLeft: 3, inStock: true });
  expect(whole.products[2]).toMatchObject({ stockLeft: 0, inStock: false });

  const first = await read('?limit=2');
  expect(first.products.map((p) => p.id)).toEqual([b.id, a.id]);
  const second = await read(`?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
  expect([second.products.map((p) => p.id), second.nextCursor]).toEqual([[soldOut.id], null]);

  const r = await room(node, creator);
  await select(node, creator, r.id, a.id);
  const live = await waitFor('the live room shows on the storefront', async () => {
    const s = await read();
    return s.products.find((p) => p.id === a.id)?.liveRooms.length ? s : undefined;
  });
  expect(live.products.find((p) => p.id === a.id)?.liveRooms).toEqual([
    { roomId: r.id, title: 'Picks night', creatorId: 'c1', creatorName: 'Creator' },
  ]);
  expect(live.products.find((p) => p.id === b.id)?.liveRooms).toEqual([]);
});
