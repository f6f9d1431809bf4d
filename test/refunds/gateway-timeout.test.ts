import { expect, it } from 'vitest';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { ledgerRefunds, paidOrder, PRICE, refund, refundBench, refundsOf } from './fixtures.ts';

const t = useTeardown();

/**
 * The gateway refunds but its answer never arrives (the sandbox holds the connection past the client's timeout): the
 * refund stays `requested` (outcome unknown; the amount stays held), and the retry pass asks again with the same key
 * until it gets the answer, which settles it. The gateway refunded once.
 */
it('a refund whose gateway answer is lost stays requested, then completes once', async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t, { gateway: { hangMs: 3_000 } });
  const order = await paidOrder(node, buyer, product, 2, 'timeout-1');
  // No webhooks: this is the retry pass's path (a refund.succeeded webhook would settle it first: webhook-settles).
  sandbox.update({ refundTimeouts: true, webhookUrl: null });

  const res = await refund(node, merchant, order.id, { idempotencyKey: 'lost-answer', reason: 'broken', quantity: 1 });
  expect(res.status).toBe(201);
  expect(res.body.refund.status).toBe('requested');
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: 0, refund_held: PRICE });
  // The money did move at the gateway.
  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(1);

  sandbox.update({ refundTimeouts: false });
  const done = await waitFor('the retry pass settles the refund', async () => {
    const view = await refundsOf(node, merchant, order.id);
    return view.refunds[0]?.status === 'succeeded' ? view : undefined;
  });
  expect(done).toMatchObject({ refundedAmount: PRICE, pendingAmount: 0 });
  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(1);
  const { rows } = await node.node.ctx.db.query<{ attempts: number }>(`SELECT attempts FROM refunds WHERE order_id = $1`, [order.id]);
  expect(rows[0]!.attempts).toBeGreaterThanOrEqual(2);
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: PRICE, refund_held: 0, charge_refunded: PRICE });
});
