import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantShop, product, search } from './fixtures.ts';

const t = useTeardown();

/**
 * Debian's PostgreSQL has no Chinese parser and pg_trgm cannot index two characters: the index's CJK bigrams are what
 * find a two-character term such as 口红 inside a title without spaces, and only the titles that contain it.
 */
it('口红 finds the products whose titles contain it, and not those with only 口 or 红', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node, '美妆馆');
  const lipstick = await product(node, merchant, shop.id, '哑光丝绒口红 正红色');
  const gloss = await product(node, merchant, shop.id, '水光唇釉口红套装');
  await product(node, merchant, shop.id, '红色围巾'); // 红 alone
  await product(node, merchant, shop.id, '口罩 一次性'); // 口 alone

  const res = await search(node, { q: '口红', type: 'products' });
  expect(res.products.map((p) => p.id).sort()).toEqual([lipstick.id, gloss.id].sort());
  expect(res.products[0]).toMatchObject({ kind: 'product', shopId: shop.id, shopName: '美妆馆', inStock: true, liveNow: false });

  // Longer CJK queries need all their bigrams; the shop's name is searched too; full-width forms fold (NFKC).
  expect((await search(node, { q: '丝绒口红', type: 'products' })).products.map((p) => p.id)).toEqual([lipstick.id]);
  expect((await search(node, { q: '美妆馆', type: 'products' })).products).toHaveLength(4);
  expect((await search(node, { q: '唇釉', type: 'products' })).products.map((p) => p.id)).toEqual([gloss.id]);
  expect((await search(node, { q: '眼影', type: 'products' })).products).toEqual([]);
});

it('a product edit is searchable at once by its new title, and no longer by its old one', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const p = await product(node, merchant, shop.id, '保湿面霜');
  expect((await search(node, { q: '面霜', type: 'products' })).products.map((x) => x.id)).toEqual([p.id]);
  const { api } = await import('../../harness/clients.ts');
  expect((await api(node.url, 'PATCH', `/api/products/${p.id}`, merchant, { title: '口红礼盒' })).status).toBe(200);
  expect((await search(node, { q: '面霜', type: 'products' })).products).toEqual([]);
  expect((await search(node, { q: '口红', type: 'products' })).products.map((x) => x.id)).toEqual([p.id]);
  // Archived products leave the results; unarchived ones come back.
  await api(node.url, 'POST', `/api/products/${p.id}/archive`, merchant);
  expect((await search(node, { q: '口红', type: 'products' })).products).toEqual([]);
  await api(node.url, 'POST', `/api/products/${p.id}/unarchive`, merchant);
  expect((await search(node, { q: '口红', type: 'products' })).products.map((x) => x.id)).toEqual([p.id]);
});
