/**
 * A refund made at the payment provider, outside Hawker (a merchant refunding in the gateway's own console): the
 * gateway's signed `refund.succeeded` webhook, for a key no Hawker request used, is recorded as a refund of the order
 * that charge paid (kind `gateway`, money only), once, after the gateway's own record confirms it; the ledger's limits
 * hold as for every refund (what is left is what a merchant refund can still take), and what the gateway does not
 * confirm changes nothing.
 */
import type { OrderRefundUpdated } from '@hawker/protocol';
import { expect, it } from 'vitest';
import { connect } from '../../harness/clients.ts';
import { GATEWAY_KEY, WEBHOOK_SECRET } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { signWebhook } from '../../server/payments/signature.ts';
import { ledgerRefunds, moneySnapshot, paidOrder, PRICE, refund, refundBench, refundsOf } from './fixtures.ts';

const t = useTeardown();

/** A refund made in the sandbox gateway's "console": its own API, with a key Hawker never used. */
async function consoleRefund(gatewayUrl: string, chargeId: string, amount: number, key: string) {
  const res = await fetch(`${gatewayUrl}/v1/refunds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ charge: chargeId, amount, reason: 'requested_by_customer' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; idempotencyKey: string; chargeId: string; amount: number; currency: string; status: string };
}

/** POSTs a correctly signed gateway webhook to the node. */
async function postWebhook(url: string, event: unknown) {
  const body = JSON.stringify(event);
  const r = await fetch(`${url}/api/payments/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-signature': signWebhook(WEBHOOK_SECRET, body) },
    body,
  });
  return { status: r.status, body: (await r.json()) as { received?: boolean; applied?: boolean } };
}

const event = (data: object) => ({
  id: `evt_${Math.random().toString(36).slice(2)}`,
  type: 'refund.succeeded',
  createdAt: Date.now(),
  data,
});

it("a refund made in the gateway's console is recorded once on its order, pushed to the buyer, and leaves only the rest to refund", async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 2, 'console-1');
  const pushes: OrderRefundUpdated[] = [];
  const buyerSocket = t.add(await connect(node.url, buyer));
  buyerSocket.on('order:refund', (u: OrderRefundUpdated) => pushes.push(u));

  const made = await consoleRefund(sandbox.url, order.chargeId!, 1_000, 'console-refund-1');
  // The sandbox delivers its signed webhook to the node by itself.
  const view = await waitFor('the console refund on the order', async () => {
    const v = await refundsOf(node, merchant, order.id);
    return v.refunds.length === 1 ? v : undefined;
  });
  expect(view).toMatchObject({ refundedAmount: 1_000, pendingAmount: 0 });
  expect(view.refunds[0]).toMatchObject({
    kind: 'gateway',
    status: 'succeeded',
    amount: 1_000,
    quantity: 0,
    restock: false,
    actor: 'gateway',
  });
  expect(await refundsOf(node, buyer, order.id)).toMatchObject({ refundedAmount: 1_000 });
  await waitFor('the buyer told', () => pushes.length === 1);
  expect(pushes[0]).toMatchObject({ orderId: order.id, status: 'succeeded', amount: 1_000, refundedAmount: 1_000 });
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: 1_000, refund_held: 0, charge_refunded: 1_000 });
  const { rows: audit } = await node.node.ctx.db.query(`SELECT actor, action FROM merchant_audit WHERE target = $1`, [order.id]);
  expect(audit).toContainEqual({ actor: 'system:gateway', action: 'refund.succeeded' });

  // The same webhook again (the gateway retries, or replays): nothing more.
  const again = await postWebhook(node.url, event(made));
  expect(again).toEqual({ status: 200, body: { received: true, applied: false } });
  expect((await refundsOf(node, merchant, order.id)).refunds).toHaveLength(1);

  // A merchant refund in full now takes only what is left, and the gateway agrees to the minor unit.
  const rest = await refund(node, merchant, order.id, { idempotencyKey: 'rest-after-console', reason: 'the rest', full: true });
  expect(rest.status).toBe(201);
  const done = await waitFor('the rest refunded', async () => {
    const v = await refundsOf(node, merchant, order.id);
    return v.refunds.every((r) => r.status === 'succeeded') && v.refunds.length === 2 ? v : undefined;
  });
  expect(done.refundedAmount).toBe(2 * PRICE);
  const atGateway = sandbox.refunds().filter((r) => r.chargeId === order.chargeId && r.status === 'succeeded');
  expect(atGateway.reduce((sum, r) => sum + r.amount, 0)).toBe(2 * PRICE);
});

it("a refund webhook the gateway's own record does not confirm, or for a charge that paid nothing here, changes nothing", async () => {
  const { node, sandbox, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 1, 'console-2');
  const made = await consoleRefund(sandbox.url, order.chargeId!, 500, 'console-refund-2');
  await waitFor('the real one recorded', async () => (await ledgerRefunds(node, order.id)).refunded_amount === 500);
  const before = await moneySnapshot(node);

  for (const forged of [
    { ...made, id: 're_not_at_the_gateway' }, // the gateway has no such refund
    { ...made, id: made.id, idempotencyKey: 'another-key' }, // its record says another key: not this refund
    { ...made, amount: made.amount + 1 }, // nor this amount (and the key `gateway:<id>` is recorded already)
    { ...made, chargeId: 'ch_paid_nothing_here' }, // a charge that paid no order here
  ]) {
    expect(await postWebhook(node.url, event(forged))).toEqual({ status: 200, body: { received: true, applied: false } });
  }
  expect(await moneySnapshot(node)).toEqual(before);
});
