import { expect, it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import { moneySnapshot, paidOrder, refund, refundBench } from './fixtures.ts';

const t = useTeardown();

/** An order takes at most REFUNDS_PER_ORDER refunds (each a gateway call): the next is refused, naming the limit. */
it('refunds per order are bounded', async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t, { env: { REFUNDS_PER_ORDER: '2' } });
  const order = await paidOrder(node, buyer, product, 3, 'limit-1');
  for (const k of ['l1', 'l2'])
    expect((await refund(node, merchant, order.id, { idempotencyKey: k, reason: 'x', amount: 10 })).status).toBe(201);
  const before = await moneySnapshot(node);
  const third = await refund(node, merchant, order.id, { idempotencyKey: 'l3', reason: 'x', amount: 10 });
  expect([third.status, third.body.error.code, third.body.error.details]).toEqual([
    429,
    'QUOTA_EXCEEDED',
    { limit: 'REFUNDS_PER_ORDER', max: 2 },
  ]);
  expect(await moneySnapshot(node)).toEqual(before);
  expect(sandbox.refunds()).toHaveLength(2);
});
