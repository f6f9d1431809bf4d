import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { fetchCsv, parseCsv, seedOrders } from './fixtures.ts';

const t = useTeardown();

it("exports a shop's refunds as CSV, newest first, and no other shop's", async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  await seedOrders(node, 3, { shopId: shop.id });
  await seedOrders(node, 1, { shopId: 'elsewhere' }, { idPrefix: 'x' });
  const db = node.node.ctx.db;
  await db.query(
    `INSERT INTO charges (id, gateway_key, order_id, reference, amount, currency, disposition, charged_at, source)
     SELECT 'ch_' || id, 'gk_' || id, id, id, amount, currency, 'payment', now(), 'worker' FROM orders`,
  );
  await db.query(
    `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, amount, currency, reason, status, actor, created_at)
     VALUES ('r1', 'rk1', 'ch_o1', 'o1', 500, 'CNY', 'damaged', 'succeeded', 'm1', '2026-01-01T00:00:01Z'),
            ('r2', 'rk2', 'ch_o2', 'o2', 1002, 'CNY', '=cmd|'' /C calc''!A0', 'failed', 'm1', '2026-01-01T00:00:02Z'),
            ('r3', 'rk3', 'ch_x1', 'x1', 100, 'CNY', 'other shop', 'succeeded', 'm9', '2026-01-01T00:00:03Z')`,
  );
  const res = await fetchCsv(node, `/api/exports/refunds.csv?shopId=${shop.id}`, owner);
  expect(res.status).toBe(200);
  const [header, ...rows] = parseCsv(res.text);
  expect(header?.slice(0, 8)).toEqual(['refund_id', 'created_at', 'order_id', 'charge_id', 'status', 'amount', 'currency', 'reason']);
  expect(rows.map((r) => [r[0], r[1], r[2], r[4], r[5], r[7]])).toEqual([
    ['r2', '2026-01-01T00:00:02.000Z', 'o2', 'failed', '1002', "'=cmd|' /C calc'!A0"],
    ['r1', '2026-01-01T00:00:01.000Z', 'o1', 'succeeded', '500', 'damaged'],
  ]);
  // The time range applies to when the refund was asked for.
  const ranged = parseCsv(
    (await fetchCsv(node, `/api/exports/refunds.csv?shopId=${shop.id}&from=${Date.parse('2026-01-01T00:00:02Z')}`, owner)).text,
  );
  expect(ranged.slice(1).map((r) => r[0])).toEqual(['r2']);
});
