import type { ShopProduct } from '@hawker/protocol';
import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantShop, product, search } from './fixtures.ts';

const t = useTeardown();

const ids = (r: { products: { id: string }[] }) => r.products.map((p) => p.id);

/**
 * A product's description is searched (its first SEARCH_DESCRIPTION_CHARS characters): Chinese bigrams, Latin words
 * and their typos, as for titles; a match only in the description ranks below a match in the title; an edit of the
 * description re-indexes it.
 */
it('finds products by their description, ranked below title matches, and follows description edits', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const inDescription = await product(node, merchant, shop.id, 'Rouge Velvet', {
    description: '哑光丝绒口红，持久不脱色。\nWaterproof and long-lasting colour.',
  });
  const inTitle = await product(node, merchant, shop.id, 'Waterproof Mascara', { description: 'Volume for lashes.' });
  const neither = await product(node, merchant, shop.id, 'Silk Scarf', { description: 'Mulberry silk.' });

  const zh = await waitFor('the description indexed', async () => {
    const r = await search(node, { q: '口红', type: 'products' });
    return r.products.length ? r : undefined;
  });
  expect(ids(zh)).toEqual([inDescription.id]);
  // The title match first, the description-only one after; the scarf matches neither.
  expect(ids(await search(node, { q: 'waterproof', type: 'products' }))).toEqual([inTitle.id, inDescription.id]);
  // A typo of a description word finds it through the vocabulary, as a title word's would.
  expect(ids(await search(node, { q: 'mulbery', type: 'products' }))).toEqual([neither.id]);

  // An edit of the description alone re-indexes it: the old word no longer finds it, the new one does.
  const edited = await api<ShopProduct>(node.url, 'PATCH', `/api/products/${neither.id}`, merchant, {
    expectedVersion: neither.version,
    description: 'Cashmere blend.',
  });
  expect(edited.status, JSON.stringify(edited.body)).toBe(200);
  await waitFor('the new description indexed', async () => {
    const r = await search(node, { q: 'cashmere', type: 'products' });
    return ids(r).includes(neither.id) || undefined;
  });
  expect(ids(await search(node, { q: 'mulberry', type: 'products' }))).toEqual([]);
});

it("re-indexes at start the product docs older code made without their description (migration 0023's catch-up)", async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const p = await product(node, merchant, shop.id, 'Rouge Velvet', { description: 'Hydrating balm with shea butter.' });
  await waitFor('indexed', async () => ids(await search(node, { q: 'shea', type: 'products' })).includes(p.id) || undefined);

  // A doc as the code before migration 0023 wrote it: title, category and shop name only, version 0.
  const db = node.node.ctx.db;
  await db.query(
    `UPDATE search_products SET terms = ARRAY['rouge', 'velvet'], latin = 'rouge velvet', terms_version = 0 WHERE product_id = $1`,
    [p.id],
  );
  expect(ids(await search(node, { q: 'shea', type: 'products' }))).toEqual([]);

  const domain = (node.node as unknown as { domains: { name: string; service?: { catchUpProducts(): Promise<number> } }[] }).domains.find(
    (d) => d.name === 'search',
  );
  expect(await domain!.service!.catchUpProducts()).toBe(1);
  expect(ids(await search(node, { q: 'shea', type: 'products' }))).toEqual([p.id]);
  // Nothing left to re-index: a second start's catch-up reads one empty page.
  expect(await domain!.service!.catchUpProducts()).toBe(0);
  const { rows } = await db.query(`SELECT terms_version FROM search_products WHERE product_id = $1`, [p.id]);
  expect(rows).toEqual([{ terms_version: 1 }]);
});
