import { expect, it } from 'vitest';
import type { SearchResult, ShopProduct } from '@hawker/protocol';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantShop, product, search } from './fixtures.ts';

const t = useTeardown();

it('price and category filters, and cursor pages that cover every match once, in rank order', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const made: ShopProduct[] = [];
  for (let i = 0; i < 7; i++) {
    made.push(
      await product(node, merchant, shop.id, `Serum bottle ${i}`, {
        price: 1_000 * (i + 1),
        category: i % 2 ? 'beauty.skin' : 'beauty.skin.night',
        stock: i === 3 ? 0 : 5,
      }),
    );
  }
  await product(node, merchant, shop.id, 'Serum scarf', { category: 'apparel', price: 500 });

  const priced = await search(node, { q: 'serum', type: 'products', minPrice: 2_000, maxPrice: 4_000 });
  expect(priced.products.map((p) => p.id).sort()).toEqual([made[1]!.id, made[2]!.id, made[3]!.id].sort());
  // A category matches itself and what is below it, never a mere prefix of a name.
  const skin = await search(node, { q: 'serum', type: 'products', category: 'beauty.skin' });
  expect(skin.products).toHaveLength(7);
  const night = await search(node, { q: 'serum', type: 'products', category: 'beauty.skin.night' });
  expect(night.products.map((p) => p.id).sort()).toEqual([0, 2, 4, 6].map((i) => made[i]!.id).sort());
  expect((await search(node, { q: 'serum', type: 'products', category: 'beauty.sk' })).products).toEqual([]);

  // Pages of 3: every match once, the same order as one big page.
  const whole = await search(node, { q: 'serum', type: 'products', limit: 50 });
  expect(whole.nextCursor).toBeNull();
  expect(whole.products).toHaveLength(8);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: SearchResult = await search(node, { q: 'serum', type: 'products', limit: 3, ...(cursor ? { cursor } : {}) });
    expect(res.products.length).toBeLessThanOrEqual(3);
    seen.push(...res.products.map((p) => p.id));
    cursor = res.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  expect(pages).toBe(3);
  expect(seen).toEqual(whole.products.map((p) => p.id));
  // The sold-out one is last.
  expect(seen[seen.length - 1]).toBe(made[3]!.id);
});
