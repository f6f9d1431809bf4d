import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { auditRows, fetchCsv, parseCsv, seedOrders } from './fixtures.ts';

const t = useTeardown();

it("streams every order of a shop as CSV, newest first, across pages, within a time range, and only that shop's", async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const newest = new Date('2026-03-01T12:00:00.000Z');
  // 2,500 orders (three keyset pages of 1,000), one second apart, and another shop's orders that must not appear.
  await seedOrders(node, 2_500, { shopId: shop.id }, { newest, numbered: true });
  await seedOrders(node, 50, { shopId: 'other-shop' }, { idPrefix: 'x', newest });

  const all = await fetchCsv(node, `/api/exports/orders.csv?shopId=${shop.id}`, owner);
  expect(all.status).toBe(200);
  expect(all.type).toBe('text/csv; charset=utf-8');
  const rows = parseCsv(all.text);
  const [header, ...data] = rows;
  expect(header).toEqual([
    'order_id',
    'created_at',
    'status',
    'channel',
    'shop_id',
    'room_id',
    'agency_id',
    'creator_id',
    'buyer_id',
    'product_id',
    'sku_id',
    'sale_id',
    'title',
    'quantity',
    'unit_price',
    'amount',
    'refunded_amount',
    'currency',
    'paid_at',
  ]);
  expect(data).toHaveLength(2_500);
  expect(new Set(data.map((r) => r[0])).size).toBe(2_500); // no row twice at a page boundary
  expect(data.every((r) => r[4] === shop.id)).toBe(true);
  expect(data[0]).toMatchObject({ 0: 'o1', 1: '2026-03-01T11:59:59.000Z', 2: 'paid', 3: 'storefront', 12: 'Jade bracelet 1', 15: '1001' });
  expect(data.at(-1)?.[0]).toBe('o2500');

  // [from, to): orders 11..20 were created at newest - 20 s .. newest - 11 s.
  const from = newest.getTime() - 20_000;
  const to = newest.getTime() - 10_000;
  const ranged = parseCsv((await fetchCsv(node, `/api/exports/orders.csv?shopId=${shop.id}&from=${from}&to=${to}`, owner)).text).slice(1);
  expect(ranged.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => `o${11 + i}`));

  // An empty range is a header alone; each export is in the shop's audit trail.
  const empty = parseCsv((await fetchCsv(node, `/api/exports/orders.csv?shopId=${shop.id}&from=0&to=1`, owner)).text);
  expect(empty).toHaveLength(1);
  expect((await auditRows(node)).filter((a) => a.action === 'export.orders')).toEqual(
    Array(3).fill({ scope: 'shop', scope_id: shop.id, actor: 'm1', action: 'export.orders', target: null }),
  );
});
