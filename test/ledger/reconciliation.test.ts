import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { HttpPaymentGateway } from '../../server/payments/gateway.ts';
import type { PlaceOrderResult } from '@hawker/protocol';
import { call, ok, scrapeMetrics } from '../../harness/clients.ts';
import { GATEWAY_KEY, joinedViewer, liveRoomWithProduct, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { schemaFor, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('reconciliation refunds a planted orphan charge and a planted second charge once each, and flags a paid order the gateway never charged', async () => {
  // Runs every second over everything up to now, so the test waits on runs, not on a timer of its own.
  const { sandbox, node } = await startCommerce(t, {
    env: { RECONCILE_EVERY_MS: '1000', RECONCILE_SETTLE_MS: '0', RECONCILE_WINDOW_MS: '3600000' },
  });
  const db = new pg.Pool({ connectionString: inject('databaseUrl'), options: `-c search_path=${schemaFor(node.prefix)}`, max: 2 });
  t.add(db, (p) => p.end());
  const { room, product } = await liveRoomWithProduct(node, { stock: 10 });
  const v = await joinedViewer(t, node, room.id, { userId: 'rec-buyer' });
  const placed = ok(
    await call(v.socket, 'order:place', { roomId: room.id, productId: product.id, skuId: 'std', quantity: 1, idempotencyKey: 'rec-key-1' }),
  ) as PlaceOrderResult;
  const [paid] = await waitFinal(node, v.token, [placed.order.id]);
  expect(paid!.status).toBe('paid');

  // Plant what a buggy client, a lost Redis or a crashed worker could leave at the gateway.
  const gw = t.add(new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: GATEWAY_KEY, timeoutMs: 5_000 }), (g) => g.close());
  const orphan = await gw.charge({ idempotencyKey: 'planted-orphan', reference: 'ord_nobody', amount: 777, currency: 'USD' });
  const second = await gw.charge({ idempotencyKey: 'planted-second', reference: paid!.id, amount: paid!.amount, currency: paid!.currency });
  expect([orphan.status, second.status]).toEqual(['succeeded', 'succeeded']);
  // ...and a paid order in the ledger whose charge the gateway never made.
  await db.query(
    `INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, pool_kind, product_id, sku_id, title, quantity, unit_price, amount,
                         currency, status, created_at, updated_at, deadline, charge_id, paid_at)
     VALUES ('ord_ghost', 'ghost', 'k', 'f', $1, 'sku', $2, 'std', 'ghost', 1, 100, 100, 'USD', 'paid', now(), now(), now(), 'ch_ghost', now())`,
    [room.id, product.id],
  );
  await db.query(`INSERT INTO charges (id, gateway_key, order_id, reference, amount, currency, disposition, charged_at, source)
                  VALUES ('ch_ghost', 'ord_ghost', 'ord_ghost', 'ord_ghost', 100, 'USD', 'payment', now(), 'worker')`);

  await waitFor('both planted charges refunded', () => sandbox.refunds().length >= 2, 30_000);
  // Later runs change nothing: wait for three more finished runs, then count again.
  const runs = async () => Number((await db.query(`SELECT count(*) FROM reconciliation_runs WHERE finished_at IS NOT NULL`)).rows[0].count);
  const after = await runs();
  await waitFor('three more reconciliation runs', async () => (await runs()) >= after + 3, 30_000);

  const refunds = sandbox.refunds();
  expect(refunds.map((r) => r.chargeId).sort()).toEqual([orphan.id, second.id].sort());
  expect(refunds.every((r) => r.status === 'succeeded')).toBe(true);
  expect(refunds.find((r) => r.chargeId === orphan.id)!.amount).toBe(777);
  expect(refunds.find((r) => r.chargeId === second.id)!.amount).toBe(paid!.amount);
  // The order's own charge stands.
  expect(sandbox.ledger().find((c) => c.id === paid!.chargeId)!.refundedAmount).toBe(0);

  const findings = (await db.query(`SELECT kind, charge_id, order_id, action FROM reconciliation_findings ORDER BY kind`)).rows;
  expect(findings).toEqual([
    { kind: 'duplicate_charge', charge_id: second.id, order_id: paid!.id, action: 'refunded' },
    { kind: 'orphan_charge', charge_id: orphan.id, order_id: '', action: 'refunded' },
    { kind: 'paid_without_charge', charge_id: 'ch_ghost', order_id: 'ord_ghost', action: 'flagged' },
  ]);
  const ledgerRefunds = (await db.query(`SELECT charge_id, status, amount FROM refunds ORDER BY amount`)).rows;
  expect(ledgerRefunds).toEqual(
    [
      { charge_id: orphan.id, status: 'succeeded', amount: 777 },
      { charge_id: second.id, status: 'succeeded', amount: paid!.amount },
    ].sort((a, b) => a.amount - b.amount),
  );

  const metrics = await scrapeMetrics(node.url);
  expect(metrics.get('hawker_reconciliation_corrections_total{kind="orphan_charge"}')).toBe(1);
  expect(metrics.get('hawker_reconciliation_corrections_total{kind="duplicate_charge"}')).toBe(1);
  expect(metrics.get('hawker_reconciliation_corrections_total{kind="paid_without_charge"}')).toBe(1);
});
