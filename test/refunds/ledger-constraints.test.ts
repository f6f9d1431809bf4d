import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import { paidOrder, placeOrder, PRICE, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * Migration 0007's rules hold for rows written straight to PostgreSQL, whatever a caller or a bug sends: an order
 * refund must refund the charge that paid its order (an unpaid order, or another charge, is refused); refunded and
 * held totals never pass the order's amount or units; a settled order refund never changes status again; a failed
 * refund releases its hold; a succeeded one moves it into the order's and the charge's refunded totals.
 */
it("0007's constraints and triggers refuse bad refund rows written straight to the ledger", async () => {
  const { node, product, buyer } = await refundBench(t);
  const paid = await paidOrder(node, buyer, product, 2, 'ledger-1');
  const db = node.node.ctx.db;
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { code?: string }) => err.code,
    );
  const insert = (id: string, orderId: string, chargeId: string | null, amount: number, quantity = 0) =>
    db.query(
      `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, kind, amount, quantity, currency, reason, status, actor)
       VALUES ($1, $1, $2, $3, 'merchant', $4, $5, 'CNY', 'test', 'requested', 'test')`,
      [id, chargeId, orderId, amount, quantity],
    );
  const totals = async () =>
    (
      await db.query(
        `SELECT o.refunded_amount::int, o.refunded_quantity, o.refund_held::int, o.refund_held_quantity, c.refunded_amount::int AS charge
         FROM orders o JOIN charges c ON c.id = o.charge_id WHERE o.id = $1`,
        [paid.id],
      )
    ).rows[0];

  // Not the order's payment, or not paid at all: P0001 from the hold trigger.
  const open = await placeOrder(node, buyer, product, 1, 'ledger-2');
  await db.query(`INSERT INTO charges (id, gateway_key, reference, amount, currency, disposition, charged_at, source)
                  VALUES ('ch_orphan', 'gk_orphan', 'x', 100, 'CNY', 'orphan', now(), 'reconciliation')`);
  expect(await code(insert('bad-1', paid.id, 'ch_orphan', 10))).toBe('P0001');
  expect(await code(insert('bad-2', open.id, 'ch_orphan', 10))).toBe('P0001');
  // More than paid, more units than bought: the orders CHECKs.
  expect(await code(insert('bad-3', paid.id, paid.chargeId, 2 * PRICE + 1))).toBe('23514');
  expect(await code(insert('bad-4', paid.id, paid.chargeId, 1, 3))).toBe('23514');
  expect(await code(db.query(`UPDATE orders SET refunded_amount = amount, refund_held = 1 WHERE id = $1`, [paid.id]))).toBe('23514');
  expect(await totals()).toEqual({ refunded_amount: 0, refunded_quantity: 0, refund_held: 0, refund_held_quantity: 0, charge: 0 });

  // Held, failed (released), succeeded (moved), and never changed again.
  expect(await code(insert('r-fail', paid.id, paid.chargeId, PRICE, 1))).toBe('ok');
  expect(await totals()).toMatchObject({ refund_held: PRICE, refund_held_quantity: 1 });
  await db.query(`UPDATE refunds SET status = 'failed' WHERE id = 'r-fail'`);
  expect(await totals()).toMatchObject({ refund_held: 0, refund_held_quantity: 0, refunded_amount: 0 });
  expect(await code(insert('r-ok', paid.id, paid.chargeId, PRICE, 1))).toBe('ok');
  await db.query(`UPDATE refunds SET status = 'succeeded' WHERE id = 'r-ok'`);
  expect(await totals()).toEqual({ refunded_amount: PRICE, refunded_quantity: 1, refund_held: 0, refund_held_quantity: 0, charge: PRICE });
  expect(await code(db.query(`UPDATE refunds SET status = 'failed' WHERE id = 'r-ok'`))).toBe('P0001');
  expect(await code(db.query(`UPDATE refunds SET status = 'requested' WHERE id = 'r-fail'`))).toBe('P0001');
  expect(await totals()).toEqual({ refunded_amount: PRICE, refunded_quantity: 1, refund_held: 0, refund_held_quantity: 0, charge: PRICE });
});
