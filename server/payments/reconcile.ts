import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
import { closeAll } from '../kernel/closeAll.ts';
import { closeWorker } from '../kernel/closeWorker.ts';
import type { Logger } from '../kernel/log.ts';
import type { LedgerOrder, LedgerOrders } from '../ledger/index.ts';
import type { OrderStore } from '../orders/store.ts';
import type { GatewayCharge } from './contract.ts';
import { GatewayRefusal, type PaymentGateway } from './gateway.ts';
import { chargeKey } from './processor.ts';
import { bullPrefix } from './queue.ts';

/** BullMQ queue of the repeatable reconciliation job (keys under `<prefix>bull:reconcile:*`). */
export const RECONCILE_QUEUE_NAME = 'reconcile';

/** What one run found and did. */
export interface ReconcileReport {
  chargesSeen: number;
  /** Charges with no order that could take them, refunded. */
  orphansRefunded: number;
  /** Second charges for an order already paid, refunded. */
  duplicatesRefunded: number;
  /** Charges the worker had not applied yet (it crashed): the order is now paid. */
  paymentsApplied: number;
  /** Paid orders whose charge the gateway did not list: flagged for a human. */
  paidWithoutCharge: number;
  /**
   * Payment charges the gateway says were refunded more than the ledger knows (refunded plus in flight): a refund made
   * at the payment provider whose webhook never arrived, or was not confirmed. Flagged for a human.
   */
  refundMismatches: number;
}

export type CorrectionKind = 'orphan_charge' | 'duplicate_charge' | 'payment_applied' | 'paid_without_charge' | 'refund_mismatch';

/**
 * Compares the gateway's charges with the ledger over a time range, and corrects what does not match:
 *
 * - a succeeded charge whose order cannot take it (no such order, or the order ended unpaid) is an orphan, and a
 *   second charge for an order another charge paid is a duplicate: both are refunded in full, once (the refund's
 *   idempotency key is derived from the charge, and the refund row is written before the gateway is called);
 * - a succeeded charge for an order still waiting on it (its worker died after the charge) pays the order;
 * - a paid order whose charge the gateway does not list is flagged (money may be missing: a human must look).
 *
 * Every correction is a row in reconciliation_findings (once per finding, whatever the number of runs), a Prometheus
 * counter and a log line. Safe to run concurrently with itself and with payments.
 */
export class Reconciler {
  private readonly corrections: Counter<'kind'> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ledger: LedgerOrders,
    private readonly store: OrderStore,
    private readonly gateway: PaymentGateway,
    private readonly log: Logger,
    registry?: Registry,
  ) {
    this.corrections = registry
      ? new Counter({
          name: 'hawker_reconciliation_corrections_total',
          help: 'Ledger corrections made by payment reconciliation, by kind',
          labelNames: ['kind'],
          registers: [registry],
        })
      : undefined;
  }

  /** Reconciles charges created in [from, to). */
  async run(range: { from: number; to: number }): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      chargesSeen: 0,
      orphansRefunded: 0,
      duplicatesRefunded: 0,
      paymentsApplied: 0,
      paidWithoutCharge: 0,
      refundMismatches: 0,
    };
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO reconciliation_runs (range_from, range_to) VALUES ($1, $2) RETURNING id`,
      [new Date(range.from), new Date(range.to)],
    );
    const runId = rows[0]!.id;
    const seen = new Set<string>();
    try {
      for (let startingAfter: string | undefined; ; ) {
        const page = await this.gateway.listCharges({ from: range.from, to: range.to, startingAfter, limit: 500 });
        report.chargesSeen += page.charges.length;
        const orders = await this.ledger.getMany(page.charges.map((c) => c.reference));
        for (const charge of page.charges) {
          seen.add(charge.id);
          if (charge.status === 'succeeded') await this.check(charge, orders.get(charge.reference) ?? null, report);
        }
        if (!page.hasMore || !page.charges.length) break;
        startingAfter = page.charges[page.charges.length - 1]!.id;
      }
      // Paid orders whose charge falls in the range must be among the charges the gateway listed.
      const { rows: paid } = await this.pool.query<{ order_id: string; id: string }>(
        `SELECT c.order_id, c.id FROM charges c WHERE c.disposition = 'payment' AND c.charged_at >= $1 AND c.charged_at < $2`,
        [new Date(range.from), new Date(range.to)],
      );
      for (const p of paid) {
        if (seen.has(p.id)) continue;
        if (await this.finding('paid_without_charge', p.id, p.order_id, 'flagged', {})) {
          report.paidWithoutCharge++;
          this.count('paid_without_charge');
          this.log.error(
            { orderId: p.order_id, chargeId: p.id },
            "reconciliation: a paid order's charge is not at the gateway; flagged for a human",
          );
        }
      }
      const corrections =
        report.orphansRefunded + report.duplicatesRefunded + report.paymentsApplied + report.paidWithoutCharge + report.refundMismatches;
      await this.pool.query(
        `UPDATE reconciliation_runs SET finished_at = clock_timestamp(), charges_seen = $2, corrections = $3 WHERE id = $1`,
        [runId, report.chargesSeen, corrections],
      );
      return report;
    } catch (err) {
      await this.pool
        .query(`UPDATE reconciliation_runs SET finished_at = clock_timestamp(), error = $2 WHERE id = $1`, [
          runId,
          (err as Error).message.slice(0, 500),
        ])
        .catch(() => {});
      throw err;
    }
  }

  private async check(charge: GatewayCharge, order: LedgerOrder | null, report: ReconcileReport): Promise<void> {
    if (order && order.status === 'paid' && order.chargeId === charge.id) {
      // The normal case; only a charge refunded at the gateway needs a second look.
      if (charge.refundedAmount > 0) await this.checkRefunded(charge, order.id, report);
      return;
    }
    const ownKey =
      order !== null && charge.idempotencyKey === chargeKey(order) && charge.amount === order.amount && charge.currency === order.currency;
    if (order && ownKey && order.status === 'pending_payment') {
      // The worker charged, then died before writing it down: the charge is the order's payment.
      const res = await this.ledger.markPaid(order.id, charge, 'reconciliation');
      if (res?.changed) {
        await this.store.mirror(res.order);
        await this.finding('payment_applied', charge.id, order.id, 'recorded', { note: 'charge applied to its pending order' });
        report.paymentsApplied++;
        this.count('payment_applied');
        this.log.warn(
          { orderId: order.id, chargeId: charge.id },
          'reconciliation: applied a charge its worker never recorded; the order is paid',
        );
        return;
      }
      order = res?.order ?? order;
      if (order.status === 'paid' && order.chargeId === charge.id) return;
    }
    const kind: 'orphan_charge' | 'duplicate_charge' = order && order.status === 'paid' ? 'duplicate_charge' : 'orphan_charge';
    if (await this.refund(charge, order, kind)) {
      if (kind === 'duplicate_charge') report.duplicatesRefunded++;
      else report.orphansRefunded++;
    }
  }

  /**
   * Refunds what is left of `charge`, once. The refund row (with its idempotency key) is committed before the gateway
   * is called, so a crash between the two is retried with the same key by the next run. Returns whether this call
   * completed a refund.
   */
  private async refund(charge: GatewayCharge, order: LedgerOrder | null, kind: 'orphan_charge' | 'duplicate_charge'): Promise<boolean> {
    const amount = charge.amount - (charge.refundedAmount ?? 0);
    const key = `reconcile_${charge.id}`;
    await this.pool.query(
      `INSERT INTO charges (id, gateway_key, order_id, reference, amount, currency, disposition, refunded_amount, charged_at, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 'reconciliation')
       ON CONFLICT (id) DO UPDATE SET disposition = CASE WHEN charges.disposition = 'payment' THEN charges.disposition ELSE EXCLUDED.disposition END`,
      [
        charge.id,
        charge.idempotencyKey,
        order?.id ?? null,
        charge.reference,
        charge.amount,
        charge.currency,
        kind === 'duplicate_charge' ? 'duplicate' : 'orphan',
        new Date(charge.createdAt),
      ],
    );
    if (amount <= 0) {
      await this.finding(kind, charge.id, order?.id ?? '', 'refunded', { amount: 0, note: 'already refunded at the gateway' });
      return false;
    }
    const { rows } = await this.pool.query<{ status: string }>(
      `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, amount, currency, reason, status, actor)
       VALUES ($1, $1, $2, $3, $4, $5, $6, 'requested', 'system:reconciliation')
       ON CONFLICT (idempotency_key) DO UPDATE SET updated_at = clock_timestamp() RETURNING status`,
      [
        key,
        charge.id,
        order?.id ?? null,
        amount,
        charge.currency,
        kind === 'duplicate_charge' ? 'second charge for a paid order' : 'charge without a payable order',
      ],
    );
    if (rows[0]?.status === 'succeeded') return false;
    try {
      const r = await this.gateway.refund({ idempotencyKey: key, chargeId: charge.id, amount, reason: kind });
      await this.pool.query(
        `WITH r AS (UPDATE refunds SET status = $2, gateway_refund_id = $3, failure_reason = $4, updated_at = clock_timestamp() WHERE id = $1)
         UPDATE charges SET refunded_amount = LEAST(amount, refunded_amount + $5) WHERE id = $6 AND $2 = 'succeeded'`,
        [key, r.status, r.id, r.failureReason, r.status === 'succeeded' ? r.amount : 0, charge.id],
      );
      if (r.status !== 'succeeded') {
        this.log.error({ chargeId: charge.id, reason: r.failureReason }, 'reconciliation: the gateway refused a refund; retried next run');
        return false;
      }
    } catch (err) {
      if (err instanceof GatewayRefusal) {
        await this.pool.query(`UPDATE refunds SET status = 'failed', failure_reason = $2, updated_at = clock_timestamp() WHERE id = $1`, [
          key,
          `${err.code}: ${err.message}`.slice(0, 500),
        ]);
        this.log.error({ chargeId: charge.id, code: err.code }, 'reconciliation: the gateway refused a refund; a human must look');
        return false;
      }
      throw err; // outcome unknown: the next run retries with the same key
    }
    await this.finding(kind, charge.id, order?.id ?? '', 'refunded', { amount, currency: charge.currency });
    this.count(kind);
    this.log.warn(
      { chargeId: charge.id, orderId: order?.id ?? null, amount, currency: charge.currency, kind },
      `reconciliation: refunded ${kind === 'duplicate_charge' ? 'a second charge for a paid order' : 'a charge with no payable order'}`,
    );
    return true;
  }

  /** Records a finding once; false if it was already recorded. */
  /**
   * The gateway refunded `charge` (its order's payment) by more than the ledger has refunded or has in flight: a refund
   * made at the payment provider that was not recorded (its webhook lost or unconfirmed). Flagged once per charge for a
   * human; the ledger is not changed here, since the listing names no refund to record.
   */
  private async checkRefunded(charge: GatewayCharge, orderId: string, report: ReconcileReport): Promise<void> {
    const { rows } = await this.pool.query<{ refunded: string; held: string }>(
      `SELECT c.refunded_amount AS refunded, o.refund_held AS held FROM charges c JOIN orders o ON o.id = c.order_id WHERE c.id = $1`,
      [charge.id],
    );
    const refunded = Number(rows[0]?.refunded ?? 0);
    const held = Number(rows[0]?.held ?? 0);
    if (charge.refundedAmount <= refunded + held) return;
    const detail = { gatewayRefunded: charge.refundedAmount, ledgerRefunded: refunded, inFlight: held, currency: charge.currency };
    if (await this.finding('refund_mismatch', charge.id, orderId, 'flagged', detail)) {
      report.refundMismatches++;
      this.count('refund_mismatch');
      this.log.error(
        { orderId, chargeId: charge.id, ...detail },
        'reconciliation: the gateway refunded this payment more than the ledger records; flagged for a human',
      );
    }
  }

  private async finding(
    kind: string,
    chargeId: string,
    orderId: string,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO reconciliation_findings (kind, charge_id, order_id, action, detail) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind, charge_id, order_id) DO NOTHING`,
      [kind, chargeId, orderId, action, JSON.stringify(detail)],
    );
    return rowCount === 1;
  }

  private count(kind: CorrectionKind): void {
    this.corrections?.inc({ kind });
  }
}

/**
 * Runs reconciliation as a repeatable BullMQ job (one scheduler per deployment, whatever the number of nodes; one
 * worker at a time runs it). Each run looks back `windowMs` and leaves the last `settleMs` for the next run, where
 * payments may still be settling.
 */
export function startReconciliation(o: {
  connection: Redis;
  keyPrefix: string;
  reconciler: Reconciler;
  everyMs: number;
  windowMs: number;
  settleMs: number;
  log: Logger;
}): { queue: Queue; worker: Worker; close(): Promise<void> } {
  const prefix = bullPrefix(o.keyPrefix);
  const queue = new Queue(RECONCILE_QUEUE_NAME, { connection: o.connection, prefix });
  const worker = new Worker(
    RECONCILE_QUEUE_NAME,
    async () => {
      const to = Date.now() - o.settleMs;
      const report = await o.reconciler.run({ from: to - o.windowMs, to });
      o.log.info(report, 'reconciliation run finished');
      return report;
    },
    { connection: o.connection, prefix, concurrency: 1 },
  );
  worker.on('error', (err) => o.log.error({ err }, 'reconciliation worker error'));
  worker.on('failed', (_job, err) => o.log.warn({ err: err.message }, 'reconciliation run failed; the next run retries'));
  const scheduled = queue
    .upsertJobScheduler(
      'reconcile-gateway',
      { every: o.everyMs },
      { name: 'reconcile', opts: { removeOnComplete: 100, removeOnFail: 100 } },
    )
    .catch((err: Error) => o.log.warn({ err: err.message }, 'could not schedule reconciliation; retried at next start'));
  let closing: Promise<void> | undefined;
  return {
    queue,
    worker,
    close() {
      closing ??= closeAll('reconciliation', [
        ['scheduling', () => Promise.race([scheduled, new Promise((r) => setTimeout(r, 2_000).unref())])],
        ['worker', () => closeWorker(worker, o.log)],
        ['queue', () => queue.close()],
      ]);
      return closing;
    },
  };
}
