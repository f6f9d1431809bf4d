import { expect, it } from 'vitest';
import type { Shop, ShopProduct, ShopProductList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('a shop, its products and their listing are readable without a token (storefronts, product links)', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant, { contact: { email: 'hi@shop.example' }, returnPolicy: '7 days' });
  await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st1`, merchant);
  const p = await addProduct(node, merchant, shop.id, simpleProduct());

  const readShop = await api<Shop>(node.url, 'GET', `/api/shops/${shop.id}`);
  expect([readShop.status, readShop.body]).toEqual([200, shop]);
  // Who works for the shop is not public.
  expect(JSON.stringify(readShop.body)).not.toContain('st1');
  const readProduct = await api<ShopProduct>(node.url, 'GET', `/api/products/${p.id}`);
  expect([readProduct.status, readProduct.body]).toEqual([200, p]);
  const list = await api<ShopProductList>(node.url, 'GET', `/api/shops/${shop.id}/products`);
  expect([list.status, list.body.products.map((x) => x.id)]).toEqual([200, [p.id]]);

  // Unknown ids: typed 404s, still without a token.
  for (const path of ['/api/shops/nope', '/api/products/nope', '/api/shops/nope/products']) {
    const res = await api<ErrorBody>(node.url, 'GET', path);
    expect([res.status, res.body.error.code], path).toEqual([404, 'NOT_FOUND']);
  }
  // Writes still need one.
  expect((await api(node.url, 'POST', `/api/shops/${shop.id}/products`, undefined, simpleProduct())).status).toBe(401);
  expect((await api(node.url, 'PATCH', `/api/products/${p.id}`, undefined, { title: 'x' })).status).toBe(401);
  expect((await api(node.url, 'POST', `/api/products/${p.id}/archive`)).status).toBe(401);
  expect((await api(node.url, 'DELETE', `/api/products/${p.id}`)).status).toBe(401);
  expect((await api(node.url, 'GET', '/api/me/shops')).status).toBe(401);
});

it("the listing pages newest first with cursors, filters by status and shows only that shop's products", async () => {
  const node = t.add(await startNode({ SHOPS_PER_OWNER: '2' }));
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const otherShop = await openShop(node, merchant, { name: 'Second shop' });
  await addProduct(node, merchant, otherShop.id, simpleProduct({ title: 'Elsewhere' }));
  const made: ShopProduct[] = [];
  for (let i = 0; i < 7; i++) made.push(await addProduct(node, merchant, shop.id, simpleProduct({ title: `Product ${i}` })));
  await api(node.url, 'POST', `/api/products/${made[2]!.id}/archive`, merchant);
  await api(node.url, 'POST', `/api/products/${made[5]!.id}/archive`, merchant);

  const all = async (query: string) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `${query}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api<ShopProductList>(node.url, 'GET', `/api/shops/${shop.id}/products?${q}`);
      expect(res.status).toBe(200);
      expect(res.body.products.length).toBeLessThanOrEqual(3);
      ids.push(...res.body.products.map((x) => x.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    return { ids, pages };
  };
  const newestFirst = [...made].reverse().map((x) => x.id);
  expect(await all('')).toEqual({ ids: newestFirst, pages: 3 });
  expect((await all('status=active')).ids).toEqual(newestFirst.filter((id) => id !== made[2]!.id && id !== made[5]!.id));
  expect((await all('status=archived')).ids).toEqual([made[5]!.id, made[2]!.id]);

  // A cursor this server did not make, a bad status or limit: typed 400s.
  for (const q of ['cursor=bm90LWEtY3Vyc29y', 'cursor=WyIyMDI0LTEzLTQwIDk5Ojk5Ojk5IiwieCJd', 'status=sold', 'limit=0', 'limit=101']) {
    const res = await api<ErrorBody>(node.url, 'GET', `/api/shops/${shop.id}/products?${q}`);
    expect([res.status, res.body.error.code], q).toEqual([400, 'BAD_REQUEST']);
  }
});
