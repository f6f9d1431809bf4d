import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, simpleShopProduct } from '../channels/fixtures.ts';

const t = useTeardown();
type ErrorBody = { error: { code: string } };

it('unknown ids are typed 404s, malformed ids, cursors and limits typed 400s, all without a token', async () => {
  const node = t.add(await startNode());
  const { creator, shop } = await creatorWithShop(node);
  await simpleShopProduct(node, creator, shop.id);
  for (const path of [
    '/api/storefront/shops/nope',
    '/api/storefront/creators/nope',
    '/api/storefront/agencies/nope',
    '/api/storefront/products/nope',
  ]) {
    const res = await api<ErrorBody>(node.url, 'GET', path);
    expect([res.status, res.body.error.code], path).toEqual([404, 'NOT_FOUND']);
  }
  const bad = [
    `/api/storefront/shops/${shop.id}?cursor=bm90LWEtY3Vyc29y`,
    `/api/storefront/shops/${shop.id}?cursor=${Buffer.from(JSON.stringify([1, '2024-13-40 99:99:99', 'x'])).toString('base64url')}`,
    `/api/storefront/shops/${shop.id}?limit=0`,
    `/api/storefront/shops/${shop.id}?limit=51`,
    `/api/storefront/shops/${shop.id}?other=1`,
    `/api/storefront/shops/${'x'.repeat(65)}`,
    '/api/storefront/creators/a%20b',
    '/api/storefront/products/%24%24',
  ];
  for (const path of bad) {
    const res = await api<ErrorBody>(node.url, 'GET', path);
    expect([res.status, res.body.error.code], path).toEqual([400, 'BAD_REQUEST']);
  }
});
