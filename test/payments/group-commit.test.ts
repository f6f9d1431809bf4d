import { expect, it } from 'vitest';
import { skuCounts } from '../../harness/commerce.ts';
import { paymentPath } from './fixtures.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

// Issue 20 P3: concurrent payment jobs share their ledger statements (group commit of `begin` and `markPaid`). Each
// order must still come out exactly as if it had its own statements: its status, its one charge, its attempt's
// outcome, its history, whatever else shares the batch (orders already paid, missing ones, the same order twice).
it('concurrent payment jobs share one begin statement and each order ends paid by its one charge, as alone', async () => {
  const N = 12;
  const { sandbox, node, redis, product, db, statements, ledger, store, gateway, processor, pool, reserve } = await paymentPath(t, {
    stock: N + 5,
    poolMax: 4,
  });
  const place = async (key: string) => {
    const order = await reserve(key);
    expect((await ledger.record({ ...order, fingerprint: store.fingerprint(pool, 1) })).kind).toBe('recorded');
    await store.confirm([order.id]);
    return order.id;
  };

  const ids = await Promise.all(Array.from({ length: N }, (_, i) => place(`gc-${i}`)));
  statements.reset();
  // All started in one turn of the event loop: their begins are one statement.
  expect(await Promise.all(ids.map((id) => processor.process(id, false)))).toEqual(ids.map(() => 'paid'));
  const begins = statements.texts.filter((s) => s.includes("SET status = 'pending_payment'"));
  expect(begins, statements.texts.join('\n')).toHaveLength(1);
  expect(statements.count).toBeLessThan(2 * N);

  for (const id of ids) {
    const order = (await ledger.get(id))!;
    expect(order).toMatchObject({ status: 'paid', chargeId: expect.any(String) });
    const attempts = await db.query('SELECT kind, outcome, detail FROM payment_attempts WHERE order_id = $1', [id]);
    expect(attempts.rows).toEqual([{ kind: 'charge', outcome: 'succeeded', detail: order.chargeId }]);
    const charges = await db.query('SELECT id, disposition, source FROM charges WHERE order_id = $1', [id]);
    expect(charges.rows).toEqual([{ id: order.chargeId, disposition: 'payment', source: 'worker' }]);
    expect((await ledger.events(id)).map((e) => e.status)).toEqual(['reserved', 'pending_payment', 'paid']);
    expect(sandbox.ledger().filter((c) => c.reference === id && c.status === 'succeeded')).toHaveLength(1);
  }
  expect(await skuCounts(redis, node.prefix, product.id)).toMatchObject({ reserved: 0, sold: N });

  // One batch with everything mixed: a missing order, a paid one, a new one, and the new one's job twice (a replayed
  // job racing its original). The missing one has nothing; the paid one is untouched; the new one is charged once.
  const fresh = await place('gc-fresh');
  const [missing, again, first, second] = await Promise.all([
    ledger.begin('ord_nope', 'ord_nope'),
    ledger.begin(ids[0]!, ids[0]!),
    ledger.begin(fresh, fresh),
    ledger.begin(fresh, fresh),
  ]);
  expect(missing).toBeNull();
  expect(again).toMatchObject({ changed: false, attemptId: null, order: { id: ids[0], status: 'paid' } });
  expect(first).toMatchObject({ changed: true, attemptId: expect.any(Number), order: { status: 'pending_payment' } });
  expect(second).toMatchObject({ changed: false, attemptId: null, order: { status: 'pending_payment' } });
  expect((await ledger.events(fresh)).map((e) => e.status)).toEqual(['reserved', 'pending_payment']);

  // markPaid's batch, mixed the same way: the fresh order's charge (and the webhook's copy of it in the same batch), a
  // second charge for an order already paid (a duplicate to refund), a charge for an order that does not exist.
  const charge = await gateway.charge({
    idempotencyKey: fresh,
    reference: fresh,
    amount: first!.order.amount,
    currency: first!.order.currency,
    description: 'x',
  });
  const paidCharge = (await ledger.get(ids[1]!))!;
  const stray = { ...charge, id: 'ch_stray_dup', reference: ids[1]!, idempotencyKey: `${ids[1]}-other`, amount: paidCharge.amount };
  const orphan = { ...charge, id: 'ch_stray_orphan', reference: 'ord_nope', idempotencyKey: 'ord_nope' };
  const [paid, paidAgain, dup, none] = await Promise.all([
    ledger.markPaid(fresh, charge, 'worker', first!.attemptId),
    ledger.markPaid(fresh, charge, 'webhook'),
    ledger.markPaid(ids[1]!, stray, 'webhook'),
    ledger.markPaid('ord_nope', orphan, 'webhook'),
  ]);
  expect(paid).toMatchObject({ changed: true, disposition: 'payment', order: { status: 'paid', chargeId: charge.id } });
  expect(paidAgain).toMatchObject({ changed: false, disposition: 'payment', order: { status: 'paid', chargeId: charge.id } });
  expect(dup).toMatchObject({ changed: false, disposition: 'duplicate', order: { id: ids[1], chargeId: paidCharge.chargeId } });
  expect(none).toBeNull();
  const rows = await db.query(`SELECT id, order_id, disposition FROM charges WHERE id = ANY($1::text[]) ORDER BY id`, [
    [charge.id, stray.id, orphan.id],
  ]);
  expect(rows.rows).toEqual(
    [
      { id: charge.id, order_id: fresh, disposition: 'payment' },
      { id: stray.id, order_id: ids[1], disposition: 'duplicate' },
      { id: orphan.id, order_id: null, disposition: 'orphan' },
    ].sort((a, b) => (a.id < b.id ? -1 : 1)),
  );
  const attempt = await db.query('SELECT outcome, detail FROM payment_attempts WHERE order_id = $1', [fresh]);
  expect(attempt.rows).toEqual([{ outcome: 'succeeded', detail: charge.id }]);
  expect((await ledger.events(fresh)).map((e) => e.status)).toEqual(['reserved', 'pending_payment', 'paid']);

  // What the webhook waits on (PaymentProcessor.settled): while this processor charges an order it is that run, which
  // ends only once the answer is in the ledger and the Redis mirror (so the webhook's second look at the mirror sees
  // it); before and after there is none.
  sandbox.update({ latencyMs: 300 });
  const slow = await place('gc-slow');
  expect(processor.settled(slow)).toBeUndefined();
  const run = processor.process(slow, false);
  let running: Promise<void> | undefined;
  await waitFor('the processor to be charging the order', () => (running = processor.settled(slow)) !== undefined);
  await running;
  expect(await ledger.get(slow)).toMatchObject({ status: 'paid' });
  const slowCharge = sandbox.ledger().find((c) => c.reference === slow && c.status === 'succeeded')!;
  expect(await processor.appliedInMirror('charge.succeeded', slowCharge)).toBe(true);
  expect(processor.settled(slow)).toBeUndefined();
  expect(await run).toBe('paid');
  statements.stop();
});
