import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { fetchCsv, parseCsv, seedOrders } from './fixtures.ts';

const t = useTeardown();

it('escapes cells a spreadsheet would run as a formula, and quotes commas, quotes and line breaks', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const titles = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTabbed', '\rReturn', 'a, "b"\nc', 'Plain'];
  for (const [i, title] of titles.entries()) await seedOrders(node, 1, { shopId: shop.id }, { idPrefix: `t${i}-`, title });

  const res = await fetchCsv(node, `/api/exports/orders.csv?shopId=${shop.id}`, owner);
  const cells = parseCsv(res.text)
    .slice(1)
    .map((r) => r[12]);
  expect(cells.sort()).toEqual(
    ['\'=HYPERLINK("http://evil.example","x")', "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTabbed", "'\rReturn", 'a, "b"\nc', 'Plain'].sort(),
  );
  // The raw bytes: no cell starts with a formula character, quoted or not.
  for (const line of res.text.split('\r\n').slice(1, -1)) {
    for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
  }
});
