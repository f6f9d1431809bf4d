import { expect, it } from 'vitest';
import type { Order, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startCommerceNode } from '../../harness/commerce.ts';
import { devIdentity } from '../../harness/browser.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('work that is not money runs on its own pool: with every bulk connection busy, orders are still taken and search waits its turn', async () => {
  const node = t.add(await startCommerceNode(null, { PAYMENT_WORKER: 'false', DATABASE_BULK_POOL_SIZE: '1' }));
  const merchant = await devIdentity(node.url, { userId: 'm-bulk', name: 'Bulk Shop', role: 'merchant' });
  const shop = await api<{ id: string }>(node.url, 'POST', '/api/shops', merchant.token, { name: 'Bulk Shop', currency: 'USD' });
  expect(shop.status).toBe(201);
  const product = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.body.id}/products`, merchant.token, {
    title: 'Silk scarf',
    images: ['/samples/scarf.svg'],
    category: 'fashion.scarves',
    skus: [{ values: [], code: 'SCARF-1', price: 2_500, stock: 5 }],
  });
  expect(product.status).toBe(201);
  const buyer = await devIdentity(node.url, { userId: 'b-bulk', name: 'Ann', role: 'viewer' });

  // The bulk pool's only connection sleeps in PostgreSQL: a stand-in for a flood of timeline writes or exports.
  const { dbBulk } = node.node.ctx;
  const events: string[] = [];
  const held = dbBulk.query('SELECT pg_sleep(4)').then(() => events.push('bulk connection free'));
  await expect.poll(async () => dbBulk.totalCount - dbBulk.idleCount).toBe(1);

  const searched = api(node.url, 'GET', '/api/search?q=scarf').then((res) => {
    events.push('search answered');
    return res;
  });
  const order = await api<{ order: Order }>(node.url, 'POST', '/api/orders', buyer.token, {
    productId: product.body.id,
    skuId: product.body.skus[0]!.id,
    quantity: 1,
    idempotencyKey: 'bulk-pool-order',
    channel: 'storefront',
  });
  events.push('order taken');
  expect(order.status).toBe(201);
  expect((await searched).status).toBe(200);
  await held;
  // The order did not wait for the bulk pool; search (a bulk reader) could only answer once its connection was free.
  expect(events).toEqual(['order taken', 'bulk connection free', 'search answered']);
  const names = await node.node.ctx.db.query<{ application_name: string }>(
    'SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1',
    ['hawker%'],
  );
  expect(names.rows.map((r) => r.application_name)).toContain('hawker-bulk');
});
