import type { Logger } from '../kernel/log.ts';
import type { LedgerOrder, LedgerOrders } from '../ledger/index.ts';
import type { OrderStore } from '../orders/store.ts';
import type { OrderStatus } from '@hawker/protocol';
import type { GatewayCharge } from './contract.ts';
import { TERMINAL_ORDER_STATUSES } from '@hawker/protocol';
import { GatewayError, type PaymentGateway } from './gateway.ts';

/**
 * The gateway idempotency key of an order's charge. Derived from the durable order: its id is unique per (buyer,
 * idempotency key) in the ledger, so a retried request, a re-run job, a crashed worker or a lost Redis all arrive at
 * the same key, and the gateway charges it at most once.
 */
export const chargeKey = (order: Pick<LedgerOrder, 'id'>): string => order.id;

/**
 * One payment job: takes an order from reserved to a final state. The ledger (PostgreSQL) decides every status; Redis
 * mirrors it afterwards. Safe to run any number of times, concurrently or after a crash at any line, because:
 *
 * 1. `begin` (reserved -> pending_payment, with the attempt and its gateway key in the same statement) is the only
 *    gate to the gateway and refuses after the deadline. So an order still `reserved` in the ledger has never been
 *    sent to the gateway, and expiring it releases stock safely. Each later call is recorded before it is made.
 * 2. Every charge uses the order's key (chargeKey): a repeat returns the first attempt's record, never a second charge.
 * 3. A pending order only leaves pending_payment on a *final* gateway answer: succeeded -> paid, declined -> failed,
 *    or, when it must stop (deadline passed, last attempt), after `cancel` closed the key at the gateway — which
 *    answers `succeeded` if a charge got in first (then the order is paid, not expired). So no order is charged without
 *    being marked paid, and no paid order lacks its charge; a charge that arrives for an order that can no longer take
 *    it is recorded as such, and reconciliation refunds it.
 * 4. Ledger transitions only apply from the expected status, so racing paths (webhook, another worker, the
 *    supervisor) apply each change once.
 */
export class PaymentProcessor {
  /**
   * Orders whose payment this process is charging and settling right now (order id -> settles when the job's run
   * ends, whatever its outcome). The gateway's webhook for such a charge usually arrives while the worker is still
   * applying the same answer; it waits for that instead of reading and writing the ledger for it (issue 20 P3: under
   * load that race cost a ledger read and often a second markPaid per paid order). In-process only: another process's
   * webhook does not know this map and reads the ledger, as before.
   */
  private readonly charging = new Map<string, Promise<void>>();

  constructor(
    private readonly ledger: LedgerOrders,
    private readonly store: OrderStore,
    private readonly gateway: PaymentGateway,
    private readonly log: Logger,
  ) {}

  /**
   * Processes the order's payment. Throws (so BullMQ retries with backoff) when the gateway's answer is unknown or the
   * ledger is unreachable; on the last attempt it settles the order instead. Resolves with the order's final status.
   */
  async process(orderId: string, lastAttempt: boolean): Promise<OrderStatus | 'missing'> {
    // `begin` first, without reading the order: it is conditional (only a reserved order within its deadline starts,
    // with its attempt) and returns the row as it stands whatever it did, so the read it replaced is one round trip
    // saved per order. For an order already paying or settled it changes nothing (and writes nothing).
    const begun = await this.ledger.begin(orderId, chargeKey({ id: orderId }));
    if (!begun) {
      this.log.error({ orderId }, 'payment job for an order the ledger does not have');
      return 'missing';
    }
    const order = begun.order;
    // Mirror whatever stands: a process may have died between the ledger and the mirror.
    await this.store.mirror(order);
    if (TERMINAL_ORDER_STATUSES.includes(order.status)) return order.status;
    let attemptId: number;
    if (begun.changed && begun.attemptId !== null) attemptId = begun.attemptId;
    else if (order.status === 'pending_payment') {
      // Started before (an earlier run of this job, or a racing one): a new attempt under the same key.
      if (Date.now() >= order.deadline) return this.stop(order, 'expired', 'payment window elapsed');
      attemptId = await this.ledger.startAttempt(order.id, 'charge', chargeKey(order));
    } else return order.status; // still reserved: a racing change begin could not see; a later run decides

    let done!: () => void;
    const running = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.charging.set(order.id, running);
    try {
      return await this.chargeAndSettle(order, attemptId, lastAttempt);
    } finally {
      if (this.charging.get(order.id) === running) this.charging.delete(order.id);
      done();
    }
  }

  /**
   * Resolves when this process's running charge of `orderId` ends (immediately when there is none): the webhook's wait
   * for the worker that is applying the same answer. Never rejects.
   */
  settled(orderId: string): Promise<void> | undefined {
    return this.charging.get(orderId);
  }

  private async chargeAndSettle(order: LedgerOrder, attemptId: number, lastAttempt: boolean): Promise<OrderStatus> {
    const orderId = order.id;
    let charge: GatewayCharge;
    try {
      charge = await this.gateway.charge({
        idempotencyKey: chargeKey(order),
        reference: order.id,
        amount: order.amount,
        currency: order.currency,
        description: `${order.quantity} × ${order.title}`.slice(0, 200),
      });
    } catch (err) {
      await this.ledger.finishAttempt(attemptId, 'error', (err as Error).message).catch(() => {});
      if (!(err instanceof GatewayError) || !lastAttempt) throw err;
      this.log.warn({ orderId, err: err.message }, 'last payment attempt failed; settling the order with the gateway');
      return this.stop(order, 'failed', 'payment gateway unavailable');
    }
    return this.settle(order, charge, attemptId);
  }

  /**
   * Whether the Redis mirror already shows `charge`'s answer applied: the order paid by this very charge (failed, for a
   * decline), with the charge's key, amount and currency. The mirror only ever holds a status the ledger committed
   * first, so a yes needs no ledger read: the gateway's webhook, which usually arrives after the worker applied the
   * same answer, then costs PostgreSQL nothing. A no (or Redis unreachable, or the copy gone) proves nothing: the
   * caller reads the ledger.
   */
  async appliedInMirror(type: 'charge.succeeded' | 'charge.declined', charge: GatewayCharge): Promise<boolean> {
    const rec = await this.store.record(charge.reference).catch(() => null);
    if (!rec || charge.idempotencyKey !== chargeKey(rec) || charge.amount !== rec.amount || charge.currency !== rec.currency) return false;
    return type === 'charge.succeeded' ? rec.status === 'paid' && rec.chargeId === charge.id : rec.status === 'failed';
  }

  /** Applies a final gateway record to the order, in the ledger first, then the Redis mirror. */
  async settle(
    order: LedgerOrder,
    charge: GatewayCharge,
    attemptId: number | null,
    source: 'worker' | 'webhook' = 'worker',
  ): Promise<OrderStatus> {
    if (charge.status !== 'cancelled' && (charge.amount !== order.amount || charge.currency !== order.currency)) {
      // Cannot happen with the order's own key; if it does, a human must look: leave the order pending, fail the job.
      throw new Error(`gateway record for ${order.id} is ${charge.amount} ${charge.currency}, order is ${order.amount} ${order.currency}`);
    }
    // The attempt's outcome is recorded by the same statement as the status change it causes (one round trip).
    const attempt = attemptId === null ? undefined : { id: attemptId, outcome: charge.status, detail: charge.declineCode ?? charge.id };
    let res: { order: LedgerOrder } | null;
    if (charge.status === 'succeeded') {
      const paid = await this.ledger.markPaid(order.id, charge, source, attemptId);
      if (paid && paid.disposition !== 'payment') {
        this.log.error(
          { orderId: order.id, chargeId: charge.id, status: paid.order.status, disposition: paid.disposition },
          'charged an order that cannot take it; reconciliation refunds it',
        );
      }
      res = paid;
    } else if (charge.status === 'declined') {
      res = await this.ledger.transition(order.id, ['reserved', 'pending_payment'], 'failed', {
        reason: charge.declineCode ?? 'declined',
        actor: `system:${source}`,
        attempt,
      });
    } else {
      // Someone (an earlier run of this job) cancelled the key: no charge exists and none can happen.
      const to = Date.now() >= order.deadline ? 'expired' : 'failed';
      res = await this.ledger.transition(order.id, ['pending_payment'], to, {
        reason: 'payment cancelled',
        actor: `system:${source}`,
        attempt,
      });
    }
    if (!res) return 'failed';
    await this.store.mirror(res.order);
    return res.order.status;
  }

  /**
   * Stops trying: closes the key at the gateway first (a charge that got in before is honoured as paid), then marks
   * the order `outcome`. Throws GatewayError if the gateway cannot be reached (the job retries; the supervisor re-runs
   * failed jobs of orders still open).
   */
  private async stop(order: LedgerOrder, outcome: 'expired' | 'failed', reason: string): Promise<OrderStatus> {
    const attemptId = await this.ledger.startAttempt(order.id, 'cancel', chargeKey(order));
    let record: GatewayCharge;
    try {
      record = await this.gateway.cancel(chargeKey(order));
    } catch (err) {
      await this.ledger.finishAttempt(attemptId, 'error', (err as Error).message).catch(() => {});
      throw err;
    }
    if (record.status === 'succeeded' || record.status === 'declined') return this.settle(order, record, attemptId);
    const res = await this.ledger.transition(order.id, ['pending_payment'], outcome, {
      reason,
      actor: 'system:payments',
      attempt: { id: attemptId, outcome: 'cancelled' },
    });
    if (!res) return outcome;
    await this.store.mirror(res.order);
    return res.order.status;
  }
}
