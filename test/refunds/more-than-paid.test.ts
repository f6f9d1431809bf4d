import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import { ledgerRefunds, moneySnapshot, paidOrder, PRICE, refund, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * A refund never exceeds what was paid, and PostgreSQL says so (migration 0007: a refund holds its amount on its order
 * under a CHECK): an amount or a quantity past the order is refused and changes nothing; two concurrent partial
 * refunds that together exceed the payment end with one refunded and the other refused, through the API and straight
 * at the ledger (two transactions racing, without the service's lock).
 */
it('refuses more than was paid, also when two partial refunds race', async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 2, 'over-1');

  const before = await moneySnapshot(node);
  const tooMuch = await refund(node, merchant, order.id, { idempotencyKey: 'big', reason: 'x', amount: 2 * PRICE + 1 });
  expect([tooMuch.status, tooMuch.body.error.code, tooMuch.body.error.details?.reason]).toEqual([409, 'CONFLICT', 'EXCEEDS_PAID']);
  const tooMany = await refund(node, merchant, order.id, { idempotencyKey: 'many', reason: 'x', quantity: 3 });
  expect([tooMany.status, tooMany.body.error.details?.reason]).toEqual([409, 'EXCEEDS_PAID']);
  expect(await moneySnapshot(node)).toEqual(before);

  // Two partial refunds of 60 % each, at once: one goes through, the other is refused.
  const part = Math.round(2 * PRICE * 0.6);
  const results = await Promise.all(
    ['race-a', 'race-b'].map((k) => refund(node, merchant, order.id, { idempotencyKey: k, reason: 'race', amount: part })),
  );
  expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  expect(results.find((r) => r.status === 409)?.body.error.details?.reason).toBe('EXCEEDS_PAID');
  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(1);
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: part, refund_held: 0, refunds: [{ status: 'succeeded' }] });

  // Straight at the ledger: two transactions each insert a refund of what is left; the second waits for the first's
  // order row, then violates the CHECK.
  const left = 2 * PRICE - part;
  const db = node.node.ctx.db;
  const c1 = await db.connect();
  const c2 = await db.connect();
  try {
    const insert = (c: typeof c1, id: string) =>
      c.query(
        `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, kind, amount, quantity, currency, reason, status, actor)
         VALUES ($1, $1, $2, $3, 'merchant', $4, 0, 'CNY', 'sql race', 'requested', 'test')`,
        [id, order.chargeId, order.id, left],
      );
    await c1.query('BEGIN');
    await c2.query('BEGIN');
    await insert(c1, 'sql-a');
    const second = insert(c2, 'sql-b').then(
      () => 'inserted',
      (err: { code?: string }) => err.code,
    );
    await c1.query('COMMIT');
    expect(await second).toBe('23514');
    await c2.query('ROLLBACK');
  } finally {
    c1.release();
    c2.release();
  }
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: part, refund_held: left });
});
