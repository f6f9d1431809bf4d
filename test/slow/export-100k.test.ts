import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { measureExport, seedOrders } from '../exports/fixtures.ts';

const t = useTeardown();

// Issue 16's acceptance: a 100,000-row export grows the node's memory by less than 64 MiB. The rows are seeded with one
// generate_series INSERT; the export reads them in keyset pages and writes them as the client reads.
it('exports 100,000 orders of a shop as CSV with RSS and heap growth under 64 MiB', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  await seedOrders(
    node,
    100_000,
    { shopId: shop.id },
    { title: 'A fairly long product title, so that each row carries real weight: jade' },
  );
  const m = await measureExport(node, `/api/exports/orders.csv?shopId=${shop.id}`, owner);
  console.log(`100,000-row export: RSS +${m.rssGrowthMiB.toFixed(1)} MiB, heap +${m.heapGrowthMiB.toFixed(1)} MiB`);
  expect(m.status).toBe(200);
  expect(m.rows).toBe(100_000);
  expect(m.rssGrowthMiB).toBeLessThan(64);
  expect(m.heapGrowthMiB).toBeLessThan(64);
}, 300_000);
