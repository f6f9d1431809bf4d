import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantShop, product, search } from './fixtures.ts';

const t = useTeardown();

/**
 * Stock moves on every order without touching the product, so the index's in-stock flag can go stale: a page says
 * what the shared pools say now, and corrects the flag, so the next search ranks the sold-out product after the
 * products in stock.
 */
it('a product that sells out shows out of stock at once and ranks after those in stock from the next search', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantShop(node);
  const last = await product(node, merchant, shop.id, 'Lipstick last one', { stock: 1 });
  const many = await product(node, merchant, shop.id, 'Lipstick plenty', { stock: 50 });
  const before = await search(node, { q: 'lipstick', type: 'products' });
  expect(before.products.map((p) => [p.id, p.inStock]).sort()).toEqual(
    [
      [last.id, true],
      [many.id, true],
    ].sort(),
  );

  const buyer = await devToken(node.url, { userId: 'b1', name: 'Buyer', role: 'viewer' });
  const order = await api(node.url, 'POST', '/api/orders', buyer, {
    productId: last.id,
    skuId: last.skus[0]!.id,
    quantity: 1,
    idempotencyKey: 'flag-order-1',
    channel: 'search',
  });
  expect(order.status, JSON.stringify(order.body)).toBe(201);

  const during = await search(node, { q: 'lipstick', type: 'products' });
  expect(during.products.find((p) => p.id === last.id)?.inStock).toBe(false);
  await waitFor('the flag corrected', async () => {
    const { rows } = await node.node.ctx.db.query(`SELECT in_stock FROM search_products WHERE product_id = $1`, [last.id]);
    return rows[0]?.in_stock === false ? true : undefined;
  });
  const after = await search(node, { q: 'lipstick', type: 'products' });
  expect(after.products.map((p) => [p.id, p.inStock])).toEqual([
    [many.id, true],
    [last.id, false],
  ]);
});
