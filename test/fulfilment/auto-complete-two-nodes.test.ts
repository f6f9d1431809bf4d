import { expect, it } from 'vitest';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { seedOrders } from '../exports/fixtures.ts';
import { FulfilmentStore } from '../../server/fulfilment/store.ts';

const t = useTeardown();

/**
 * Auto-completion is multi-node safe and idempotent: two nodes tick every 20 ms over the same ledger, 50 delivered
 * orders come due, and each is completed exactly once (one 'completed' history row by system:fulfilment); an order
 * delivered later than ORDER_AUTO_COMPLETE_MS ago, and one only shipped, stay as they are.
 */
it('two nodes complete each due delivered order exactly once', async () => {
  const [a] = await twoNodes(t, { FULFILMENT_TICK_MS: '20', ORDER_AUTO_COMPLETE_MS: '3600000' });
  const db = a.node.ctx.db;
  await seedOrders(a, 52, { shopId: 'shop-auto' }, { idPrefix: 'auto' });
  // 50 delivered two hours ago (due), auto51 delivered just now (not due), auto52 only shipped.
  await db.query(
    `UPDATE orders SET fulfilment_status = 'delivered', carrier = 'UPS', tracking_number = 'AB1234',
            shipped_at = now() - interval '3 hours', delivered_at = now() - interval '2 hours' WHERE id LIKE 'auto%' AND id NOT IN ('auto51', 'auto52')`,
  );
  await db.query(
    `UPDATE orders SET fulfilment_status = 'delivered', carrier = 'UPS', tracking_number = 'AB1234', shipped_at = now(), delivered_at = now() WHERE id = 'auto51'`,
  );
  await db.query(
    `UPDATE orders SET fulfilment_status = 'shipped', carrier = 'UPS', tracking_number = 'AB1234', shipped_at = now() WHERE id = 'auto52'`,
  );

  // Racing the two nodes' tickers: eight more completion passes at once, as more nodes would run them.
  const store = new FulfilmentStore(db);
  const direct = await Promise.all(Array.from({ length: 8 }, () => store.completeDue(3_600_000, 10, 'test pass', 'system:fulfilment')));
  await waitFor('50 orders completed', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM orders WHERE fulfilment_status = 'completed'`);
    return rows[0].n === 50;
  });
  // Idempotent: a pass after they are all completed completes nothing.
  expect(await store.completeDue(3_600_000, 100, 'test pass', 'system:fulfilment')).toEqual([]);
  const { rows } = await db.query(
    `SELECT order_id, count(*)::int AS n, min(actor) AS actor FROM order_events WHERE status = 'completed' GROUP BY order_id`,
  );
  expect(rows).toHaveLength(50);
  expect(rows.every((r) => r.n === 1 && r.actor === 'system:fulfilment')).toBe(true);
  const directIds = direct.flat();
  expect(new Set(directIds).size).toBe(directIds.length);
  const rest = await db.query(`SELECT id, fulfilment_status FROM orders WHERE id IN ('auto51', 'auto52') ORDER BY id`);
  expect(rest.rows).toEqual([
    { id: 'auto51', fulfilment_status: 'delivered' },
    { id: 'auto52', fulfilment_status: 'shipped' },
  ]);
});
