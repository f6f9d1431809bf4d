import { expect, it } from 'vitest';
import { WEBHOOK_SECRET } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { signWebhook } from '../../server/payments/signature.ts';
import { ledgerRefunds, paidOrder, PRICE, refund, refundBench, refundsOf } from './fixtures.ts';

const t = useTeardown();

/** POSTs a correctly signed gateway webhook to the node. */
async function postWebhook(url: string, event: unknown): Promise<{ status: number; body: { applied?: boolean } }> {
  const body = JSON.stringify(event);
  const r = await fetch(`${url}/api/payments/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-signature': signWebhook(WEBHOOK_SECRET, body) },
    body,
  });
  return { status: r.status, body: (await r.json()) as { applied?: boolean } };
}

/**
 * The gateway refunds but its answer to the request is lost; its `refund.succeeded` webhook settles the refund at once,
 * without the retry pass (set to an hour here) asking again. The gateway refunded once; the ledger agrees.
 */
it("a refund whose answer is lost is settled by the gateway's refund.succeeded webhook, once", async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t, {
    gateway: { hangMs: 3_000 },
    env: { REFUND_RETRY_MS: '3600000' },
  });
  const order = await paidOrder(node, buyer, product, 2, 'webhook-1');
  sandbox.update({ refundTimeouts: true });

  const res = await refund(node, merchant, order.id, { idempotencyKey: 'lost-answer-webhook', reason: 'broken', quantity: 1 });
  expect(res.status).toBe(201);
  const done = await waitFor('the webhook settles the refund', async () => {
    const view = await refundsOf(node, merchant, order.id);
    return view.refunds[0]?.status === 'succeeded' ? view : undefined;
  });
  expect(done).toMatchObject({ refundedAmount: PRICE, pendingAmount: 0 });
  const { rows } = await node.node.ctx.db.query<{ attempts: number }>(`SELECT attempts FROM refunds WHERE order_id = $1`, [order.id]);
  expect(rows[0]!.attempts).toBe(1); // the retry pass never asked again
  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(1);
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: PRICE, refund_held: 0, charge_refunded: PRICE });
});

it('a refund webhook for a refund the ledger did not ask for, or with another amount or charge, changes nothing', async () => {
  const { node, sandbox, merchant, product, buyer } = await refundBench(t, {
    gateway: { hangMs: 3_000 },
    env: { REFUND_RETRY_MS: '3600000' },
  });
  const order = await paidOrder(node, buyer, product, 2, 'webhook-2');
  // The gateway's own webhooks are off: the test sends them.
  sandbox.update({ refundTimeouts: true, webhookUrl: null });
  const res = await refund(node, merchant, order.id, { idempotencyKey: 'held-by-test', reason: 'broken', quantity: 1 });
  expect(res.body.refund.status).toBe('requested');
  const real = sandbox.refunds().find((r) => r.chargeId === order.chargeId)!;
  const event = (data: object) => ({
    id: `evt_${Math.random().toString(36).slice(2)}`,
    type: 'refund.succeeded',
    createdAt: Date.now(),
    data,
  });

  for (const forged of [
    { ...real, idempotencyKey: 'never-asked-for' },
    { ...real, amount: real.amount + 1 },
    { ...real, chargeId: 'ch_someone_else' },
  ]) {
    expect(await postWebhook(node.url, event(forged))).toEqual({ status: 200, body: { received: true, applied: false } });
  }
  expect((await refundsOf(node, merchant, order.id)).refunds[0]?.status).toBe('requested');
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: 0, refund_held: PRICE });

  // The real record settles it; a replay of it changes nothing more.
  expect(await postWebhook(node.url, event(real))).toEqual({ status: 200, body: { received: true, applied: true } });
  expect(await postWebhook(node.url, event(real))).toEqual({ status: 200, body: { received: true, applied: false } });
  expect(await refundsOf(node, merchant, order.id)).toMatchObject({ refundedAmount: PRICE, pendingAmount: 0 });
  expect(await ledgerRefunds(node, order.id)).toMatchObject({ refunded_amount: PRICE, refund_held: 0, charge_refunded: PRICE });
});
