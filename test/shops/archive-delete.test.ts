import { expect, it } from 'vitest';
import type { ShopProduct, ShopProductList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, type TestNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, type ErrorBody, openShop, rowCounts, simpleProduct, tokenAs } from './fixtures.ts';

const t = useTeardown();

/**
 * Records an order with one line naming the product's first SKU in the node's ledger, as the orders work will. Written
 * cancelled, so the node's payment supervisor leaves it alone: it was ordered all the same.
 */
async function recordOrder(node: TestNode, product: ShopProduct): Promise<void> {
  const sku = product.skus[0]!;
  const orderId = `ord_${product.id}`;
  await node.node.ctx.db.query(
    `WITH o AS (
       INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, channel, pool_kind, product_id, sku_id, title,
                           quantity, unit_price, amount, currency, status, created_at, updated_at, deadline)
       VALUES ($1, 'buyer-1', $1, 'fp', 'storefront', 'storefront', 'sku', $2, $3, $4, 1, $5, $5, $6, 'cancelled', now(), now(), now())
       RETURNING id
     )
     INSERT INTO order_lines (order_id, line_no, product_id, sku_id, title, quantity, unit_price, amount)
     SELECT id, 1, $2, $3, $4, 1, $5, $5 FROM o`,
    [orderId, product.id, sku.id, product.title, sku.price, product.currency],
  );
}

it('a never-ordered product is deleted with its SKUs; an ordered one is refused and archived instead', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const twoSkus = simpleProduct({
    attributes: [{ name: 'Size', values: ['S', 'M'] }],
    skus: [
      { values: ['S'], code: 'S', price: 1_000, stock: 1 },
      { values: ['M'], code: 'M', price: 1_000, stock: 1 },
    ],
  });
  const unsold = await addProduct(node, merchant, shop.id, twoSkus);
  const sold = await addProduct(node, merchant, shop.id, twoSkus);
  expect(await rowCounts(node)).toMatchObject({ products: 2, skus: 4 });

  // Never ordered: deleted, SKUs and all.
  const del = await api(node.url, 'DELETE', `/api/products/${unsold.id}`, merchant);
  expect([del.status, del.body]).toEqual([200, { productId: unsold.id, deleted: true }]);
  expect((await api<ErrorBody>(node.url, 'GET', `/api/products/${unsold.id}`)).status).toBe(404);
  expect(await rowCounts(node)).toMatchObject({ products: 1, skus: 2 });
  const again = await api<ErrorBody>(node.url, 'DELETE', `/api/products/${unsold.id}`, merchant);
  expect([again.status, again.body.error.code]).toEqual([404, 'NOT_FOUND']);

  // Ordered (an order line names it): the delete is refused, says to archive, and changes nothing.
  await recordOrder(node, sold);
  const refused = await api<ErrorBody>(node.url, 'DELETE', `/api/products/${sold.id}`, merchant);
  expect([refused.status, refused.body.error.code]).toEqual([409, 'CONFLICT']);
  expect(refused.body.error.message).toMatch(/archive/);
  expect((await api<ShopProduct>(node.url, 'GET', `/api/products/${sold.id}`)).body).toEqual(sold);

  // Archived: not sold, still readable by anyone (old orders link to it), one version more; archiving again is a no-op.
  const archived = await api<ShopProduct>(node.url, 'POST', `/api/products/${sold.id}/archive`, merchant);
  expect(archived.status).toBe(200);
  expect(archived.body).toMatchObject({ status: 'archived', version: 2, skus: sold.skus });
  expect(archived.body.archivedAt).toBeGreaterThanOrEqual(sold.createdAt);
  expect((await api<ShopProduct>(node.url, 'POST', `/api/products/${sold.id}/archive`, merchant)).body).toEqual(archived.body);
  expect((await api<ShopProduct>(node.url, 'GET', `/api/products/${sold.id}`)).body).toEqual(archived.body);
  // Still refused for delete, and no longer editable.
  expect((await api(node.url, 'DELETE', `/api/products/${sold.id}`, merchant)).status).toBe(409);
  const edit = await api<ErrorBody>(node.url, 'PATCH', `/api/products/${sold.id}`, merchant, { title: 'Back on sale?' });
  expect([edit.status, edit.body.error.code]).toEqual([409, 'CONFLICT']);
  expect(await rowCounts(node)).toMatchObject({ products: 1, skus: 2 });

  // The listing's status filter tells them apart.
  const listed = async (status: string) =>
    (await api<ShopProductList>(node.url, 'GET', `/api/shops/${shop.id}/products?status=${status}`)).body.products.map((p) => p.id);
  expect(await listed('archived')).toEqual([sold.id]);
  expect(await listed('active')).toEqual([]);
});

it('an archived product that was never ordered can still be deleted', async () => {
  const node = t.add(await startNode());
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const p = await addProduct(node, merchant, shop.id, simpleProduct());
  expect((await api(node.url, 'POST', `/api/products/${p.id}/archive`, merchant)).status).toBe(200);
  expect((await api(node.url, 'DELETE', `/api/products/${p.id}`, merchant)).status).toBe(200);
  expect(await rowCounts(node)).toMatchObject({ products: 0, skus: 0 });
});
