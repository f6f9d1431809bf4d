import { expect, it } from 'vitest';
import { skuCounts } from '../../harness/commerce.ts';
import { paymentPath } from './fixtures.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

// Issue 20 P3: PostgreSQL round trips per paid order. The payment job once cost four (read the order, begin, finish
// the attempt, mark paid) and the webhook one more (read the order); the job costs two (begin, then mark paid with the
// attempt's outcome in the same statement) and the webhook none (the Redis mirror shows it applied). The counts are exact, on a real ledger, Redis and sandbox gateway: a change that adds a round trip fails here.
it('a paid order costs one ledger statement to record, two in its payment job and none for its webhook; a replayed job one and changes nothing', async () => {
  // No payment worker in the node and no webhooks: this test's processor is the only thing moving its orders, so
  // every statement on its pool is the order path's.
  const { sandbox, node, redis, product, db, statements, ledger, store, processor, pool, reserve } = await paymentPath(t, {
    stock: 10,
    poolMax: 2,
  });

  /** What order:place does up to its answer: reserve in Redis, record the row (group commit), confirm. */
  const place = async (key: string) => {
    const order = await reserve(key);
    statements.reset();
    const recorded = await ledger.record({ ...order, fingerprint: store.fingerprint(pool, 1) });
    expect(recorded.kind).toBe('recorded');
    expect(statements.texts).toHaveLength(1);
    await store.confirm([order.id]);
    return order.id;
  };

  const paidId = await place('stmt-paid-1');
  statements.reset();
  expect(await processor.process(paidId, false)).toBe('paid');
  expect(statements.texts, statements.texts.join('\n')).toHaveLength(2);

  // What the two statements left: the order paid by its one charge, the attempt finished with it, the history.
  const order = (await ledger.get(paidId))!;
  expect(order).toMatchObject({ status: 'paid', chargeId: expect.any(String) });
  const attempts = await db.query(
    'SELECT kind, outcome, detail, finished_at IS NOT NULL AS finished FROM payment_attempts WHERE order_id = $1',
    [paidId],
  );
  expect(attempts.rows).toEqual([{ kind: 'charge', outcome: 'succeeded', detail: order.chargeId, finished: true }]);
  const charges = await db.query('SELECT id, disposition FROM charges WHERE order_id = $1', [paidId]);
  expect(charges.rows).toEqual([{ id: order.chargeId, disposition: 'payment' }]);
  expect((await ledger.events(paidId)).map((e) => e.status)).toEqual(['reserved', 'pending_payment', 'paid']);
  expect(await skuCounts(redis, node.prefix, product.id)).toMatchObject({ reserved: 0, sold: 1 });

  // A replayed job (a crashed worker's, BullMQ's stalled check): one statement that changes nothing, no charge.
  statements.reset();
  expect(await processor.process(paidId, false)).toBe('paid');
  expect(statements.texts, statements.texts.join('\n')).toHaveLength(1);
  expect(sandbox.ledger().filter((c) => c.reference === paidId)).toHaveLength(1);
  expect((await db.query('SELECT count(*)::int AS n FROM payment_attempts WHERE order_id = $1', [paidId])).rows[0].n).toBe(1);
  expect((await ledger.events(paidId)).map((e) => e.status)).toEqual(['reserved', 'pending_payment', 'paid']);

  // The node's queued mark arriving after the job began (the worker beat it): one statement, no new row version.
  const version = async () => (await db.query('SELECT xmin::text AS v FROM orders WHERE id = $1', [paidId])).rows[0].v as string;
  const before = await version();
  await ledger.markQueued([paidId]);
  expect(await version()).toBe(before);

  // The gateway's webhook for that charge, arriving after the worker applied it: the Redis mirror answers, no statement.
  const charge = sandbox.ledger().find((c) => c.reference === paidId)!;
  statements.reset();
  expect(await processor.appliedInMirror('charge.succeeded', charge)).toBe(true);
  // A record that does not match the order proves nothing: the webhook then reads the ledger (and logs it).
  expect(await processor.appliedInMirror('charge.succeeded', { ...charge, amount: charge.amount + 1 })).toBe(false);
  expect(await processor.appliedInMirror('charge.succeeded', { ...charge, id: 'ch_other' })).toBe(false);
  expect(await processor.appliedInMirror('charge.declined', charge)).toBe(false);
  expect(statements.texts).toHaveLength(0);

  // A declined charge: two statements as well (begin; failed with the attempt's outcome), its unit back in stock.
  sandbox.update({ declineRate: 1 });
  const declinedId = await place('stmt-declined-1');
  statements.reset();
  expect(await processor.process(declinedId, false)).toBe('failed');
  expect(statements.texts, statements.texts.join('\n')).toHaveLength(2);
  const declined = await db.query('SELECT outcome, detail FROM payment_attempts WHERE order_id = $1', [declinedId]);
  expect(declined.rows).toEqual([{ outcome: 'declined', detail: 'card_declined' }]);
  expect(await ledger.get(declinedId)).toMatchObject({ status: 'failed', failureReason: 'card_declined', chargeId: null });
  expect(await skuCounts(redis, node.prefix, product.id)).toMatchObject({ reserved: 0, sold: 1 });
  statements.stop();
});
