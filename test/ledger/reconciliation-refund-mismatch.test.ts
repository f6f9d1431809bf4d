/**
 * A refund made at the payment provider whose webhook never reached Hawker: reconciliation sees the gateway's charge
 * refunded by more than the ledger records (refunded plus in flight) and flags it once for a human, changing no money.
 */
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { GATEWAY_KEY } from '../../harness/commerce.ts';
import { schemaFor, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { HttpPaymentGateway } from '../../server/payments/gateway.ts';
import { paidOrder, refundBench } from '../refunds/fixtures.ts';

const t = useTeardown();

it('reconciliation flags, once, a payment the gateway refunded more than the ledger knows, and moves no money', async () => {
  // Runs every second over everything up to now, so the test waits on runs, not on a timer of its own.
  const { sandbox, node, product, buyer } = await refundBench(t, {
    env: { RECONCILE_EVERY_MS: '1000', RECONCILE_SETTLE_MS: '0', RECONCILE_WINDOW_MS: '3600000' },
  });
  const db = new pg.Pool({ connectionString: inject('databaseUrl'), options: `-c search_path=${schemaFor(node.prefix)}`, max: 2 });
  t.add(db, (p) => p.end());
  const paid = await paidOrder(node, buyer, product, 1, 'mismatch-1');

  // A refund in the gateway's console, its webhook lost (the gateway sends none).
  sandbox.update({ webhookUrl: null });
  const gw = t.add(new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: GATEWAY_KEY, timeoutMs: 5_000 }), (g) => g.close());
  const made = await gw.refund({ idempotencyKey: 'console-lost-webhook', chargeId: paid.chargeId!, amount: 300 });
  expect(made.status).toBe('succeeded');

  const findings = async () =>
    (await db.query(`SELECT kind, charge_id, order_id, action, detail FROM reconciliation_findings WHERE kind = 'refund_mismatch'`)).rows;
  await waitFor('the mismatch flagged', async () => (await findings()).length > 0, 30_000);
  // Later runs flag it no more: wait for two more finished runs, then look again.
  const runs = async () => Number((await db.query(`SELECT count(*) FROM reconciliation_runs WHERE finished_at IS NOT NULL`)).rows[0].count);
  const after = await runs();
  await waitFor('two more reconciliation runs', async () => (await runs()) >= after + 2, 30_000);

  expect(await findings()).toEqual([
    {
      kind: 'refund_mismatch',
      charge_id: paid.chargeId,
      order_id: paid.id,
      action: 'flagged',
      detail: { gatewayRefunded: 300, ledgerRefunded: 0, inFlight: 0, currency: paid.currency },
    },
  ]);
  // No money moved: the ledger's totals stand, and the gateway holds only the console's refund.
  const { rows } = await db.query(
    `SELECT o.refunded_amount::int AS refunded, c.refunded_amount::int AS charge_refunded
                                   FROM orders o JOIN charges c ON c.id = o.charge_id WHERE o.id = $1`,
    [paid.id],
  );
  expect(rows[0]).toEqual({ refunded: 0, charge_refunded: 0 });
  expect(sandbox.refunds().map((r) => r.idempotencyKey)).toEqual(['console-lost-webhook']);
});
