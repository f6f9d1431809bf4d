import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startCommerce } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, type ErrorBody, room, simpleShopProduct } from './fixtures.ts';

const t = useTeardown();

it('selecting counts against PRODUCTS_PER_ROOM: racing selects of one product take one slot, deselected ones keep theirs, past the cap QUOTA_EXCEEDED', async () => {
  const { node } = await startCommerce(t, { env: { PRODUCTS_PER_ROOM: '2' } });
  const { creator, shop } = await creatorWithShop(node);
  const [p1, p2, p3] = [
    await simpleShopProduct(node, creator, shop.id),
    await simpleShopProduct(node, creator, shop.id),
    await simpleShopProduct(node, creator, shop.id),
  ];
  const r = await room(node, creator, { live: false });
  const sel = (productId: string) => api<ErrorBody>(node.url, 'POST', `/api/rooms/${r.id}/selection`, creator, { productId });
  const raced = await Promise.all(Array.from({ length: 10 }, () => sel(p1.id)));
  expect(raced.map((x) => x.status)).toEqual(Array(10).fill(201));
  expect((await sel(p2.id)).status).toBe(201); // the second slot: the race took one
  const over = await sel(p3.id);
  expect([over.status, over.body.error.code, over.body.error.details]).toEqual([
    429,
    'QUOTA_EXCEEDED',
    expect.objectContaining({ limit: 'PRODUCTS_PER_ROOM', max: 2 }),
  ]);
  // Taking one off does not give its slot back.
  expect((await api(node.url, 'DELETE', `/api/rooms/${r.id}/selection/${p2.id}`, creator)).status).toBe(200);
  expect((await sel(p3.id)).status).toBe(429);
  const list = await api<{ products: { id: string }[] }>(node.url, 'GET', `/api/rooms/${r.id}/products`, creator);
  expect(list.body.products.map((p) => p.id)).toEqual([p1.id]);
});
