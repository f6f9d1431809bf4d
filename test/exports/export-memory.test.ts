import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { measureExport, seedOrders } from './fixtures.ts';

const t = useTeardown();

// The fast tier's version of test/slow/export-100k.test.ts: 10,000 orders (ten keyset pages), memory bounded the same.
it('streams 10,000 orders with the memory growth bounded (under 64 MiB of RSS and heap)', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  await seedOrders(node, 10_000, { shopId: shop.id }, { title: 'A fairly long product title, so that each row carries real weight: jade' });
  const m = await measureExport(node, `/api/exports/orders.csv?shopId=${shop.id}`, owner);
  expect(m.status).toBe(200);
  expect(m.rows).toBe(10_000);
  expect(m.rssGrowthMiB).toBeLessThan(64);
  expect(m.heapGrowthMiB).toBeLessThan(64);
});
