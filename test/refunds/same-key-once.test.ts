import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import { ledgerRefunds, paidOrder, PRICE, refund, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * The client's idempotency key makes a refund request safe to repeat: the same key and body, sent again or twice at
 * once, refund once (the second answer is the first refund, `replayed: true`); the same key with another body is
 * refused (IDEMPOTENCY_KEY_REUSED) and changes nothing.
 */
it('the same refund request twice, or twice at once, refunds once', async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 3, 'once-1');
  const body = { idempotencyKey: 'same-key', reason: 'wrong colour', quantity: 1 };

  const first = await refund(node, merchant, order.id, body);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ replayed: false, refund: { status: 'succeeded', amount: PRICE } });
  const again = await refund(node, merchant, order.id, body);
  expect(again.body).toMatchObject({ replayed: true, refund: { id: first.body.refund.id, status: 'succeeded' } });

  const reused = await refund(node, merchant, order.id, { ...body, quantity: 2 });
  expect([reused.status, reused.body.error.details?.reason]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);

  // Twice at once with a new key: one refund row, one gateway refund, both answers name it.
  const body2 = { idempotencyKey: 'raced-key', reason: 'second cup', quantity: 1 };
  const [a, b] = await Promise.all([refund(node, merchant, order.id, body2), refund(node, merchant, order.id, body2)]);
  expect([a.status, b.status].sort()).toEqual([201, 201]);
  expect(a.body.refund.id).toBe(b.body.refund.id);
  expect([a.body.replayed, b.body.replayed].sort()).toEqual([false, true]);

  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(2);
  expect(await ledgerRefunds(node, order.id)).toMatchObject({
    refunded_amount: 2 * PRICE,
    refunded_quantity: 2,
    refunds: [
      { status: 'succeeded', amount: PRICE, quantity: 1 },
      { status: 'succeeded', amount: PRICE, quantity: 1 },
    ],
  });
});
