import { expect, it } from 'vitest';
import type { OrderRefundUpdated } from '@hawker/protocol';
import { connect } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { ledgerRefunds, paidOrder, PRICE, refund, refundBench, refundsOf } from './fixtures.ts';

const t = useTeardown();

/**
 * A merchant refunds a paid order in three steps through the sandbox gateway: 1 unit by quantity, an amount, then
 * everything left (full). Each is one gateway refund of the order's charge; the order's totals, the charge's refunded
 * amount and the buyer's pushes follow; after the full refund nothing is left to refund.
 */
it('refunds a paid order partly by quantity, partly by amount, then in full, through the gateway', async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 4, 'fp-1');
  expect(order.amount).toBe(4 * PRICE);
  const socket = t.add(await connect(node.url, buyer));
  const pushes: OrderRefundUpdated[] = [];
  socket.on('order:refund', (u) => pushes.push(u));

  const byQuantity = await refund(node, merchant, order.id, { idempotencyKey: 'q1', reason: 'one cup broke', quantity: 1 });
  expect(byQuantity.status).toBe(201);
  expect(byQuantity.body).toMatchObject({ replayed: false, refund: { status: 'succeeded', amount: PRICE, quantity: 1, kind: 'merchant' } });

  const byAmount = await refund(node, merchant, order.id, { idempotencyKey: 'a1', reason: 'late delivery', amount: 700 });
  expect(byAmount.body).toMatchObject({ refund: { status: 'succeeded', amount: 700, quantity: 0 } });

  const full = await refund(node, merchant, order.id, { idempotencyKey: 'f1', reason: 'returned the rest', full: true });
  expect(full.body).toMatchObject({ refund: { status: 'succeeded', amount: 4 * PRICE - PRICE - 700, quantity: 3 } });

  // The gateway made exactly these three refunds of the order's charge.
  const atGateway = sandbox.refunds().filter((r) => r.chargeId === order.chargeId);
  expect(atGateway.map((r) => r.amount)).toEqual([PRICE, 700, 4 * PRICE - PRICE - 700]);
  expect(await ledgerRefunds(node, order.id)).toMatchObject({
    refunded_amount: 4 * PRICE,
    refunded_quantity: 4,
    refund_held: 0,
    charge_refunded: 4 * PRICE,
  });
  const view = await refundsOf(node, buyer, order.id);
  expect(view).toMatchObject({ refundedAmount: 4 * PRICE, refundedQuantity: 4, pendingAmount: 0 });
  expect(view.refunds.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

  const nothingLeft = await refund(node, merchant, order.id, { idempotencyKey: 'f2', reason: 'again', full: true });
  expect([nothingLeft.status, nothingLeft.body.error.code, nothingLeft.body.error.details?.reason]).toEqual([
    409,
    'CONFLICT',
    'EXCEEDS_PAID',
  ]);

  // The buyer's sockets heard each refund, with the order's refunded total after it.
  await waitFor('three refund pushes', () => pushes.length >= 3 || null);
  expect(pushes.map((p) => [p.orderId, p.status, p.refundedAmount])).toEqual([
    [order.id, 'succeeded', PRICE],
    [order.id, 'succeeded', PRICE + 700],
    [order.id, 'succeeded', 4 * PRICE],
  ]);
});
