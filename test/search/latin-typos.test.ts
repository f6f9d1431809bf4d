import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantShop, product, search } from './fixtures.ts';

const t = useTeardown();

/** pg_trgm's word similarity makes Latin search forgiving of typos; exact words rank above near ones. */
it('"lipstik" finds the lipstick, case and accents aside, and not unrelated products', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const lipstick = await product(node, merchant, shop.id, 'Velvet Matte Lipstick');
  const liner = await product(node, merchant, shop.id, 'Lip liner pencil');
  await product(node, merchant, shop.id, 'Wool scarf', { category: 'apparel.scarves' });

  const typo = await search(node, { q: 'lipstik', type: 'products' });
  expect(typo.products.map((p) => p.id)).toEqual([lipstick.id]);
  expect((await search(node, { q: 'LIPSTICK', type: 'products' })).products.map((p) => p.id)).toEqual([lipstick.id]);
  expect((await search(node, { q: 'velvet lipstik', type: 'products' })).products.map((p) => p.id)).toEqual([lipstick.id]);
  expect((await search(node, { q: 'liner', type: 'products' })).products.map((p) => p.id)).toEqual([liner.id]);
  expect((await search(node, { q: 'toaster', type: 'products' })).products).toEqual([]);
  // Mixed Chinese and English: both parts must match.
  const mixed = await product(node, merchant, shop.id, 'Dior 口红 999');
  expect((await search(node, { q: 'dior 口红', type: 'products' })).products.map((p) => p.id)).toEqual([mixed.id]);
  expect((await search(node, { q: 'chanel 口红', type: 'products' })).products).toEqual([]);
});
