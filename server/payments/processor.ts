import type { Logger } from '../infra/log.ts';
import type { OrderRecord, OrderStore } from '../orders/store.ts';
import type { GatewayCharge, OrderStatus } from '../protocol/commerce.ts';
import { TERMINAL_ORDER_STATUSES } from '../protocol/commerce.ts';
import { GatewayError, type PaymentGateway } from './gateway.ts';

/**
 * One payment job: takes an order from reserved to a final state. Safe to run any number of times, concurrently or
 * after a crash at any line, because:
 *
 * 1. `begin` (reserved -> pending_payment) is the only gate to the gateway, and it refuses after the deadline. So an
 *    order still `reserved` has never been sent to the gateway, and expiring it releases stock safely.
 * 2. Every charge uses idempotency key = order id: a repeat returns the first attempt's record, never a second charge.
 * 3. A pending order only leaves pending_payment on a *final* gateway answer: succeeded -> paid, declined -> failed,
 *    or, when it must stop (deadline passed, last attempt), after `cancel` closed the key at the gateway — which
 *    answers `succeeded` if a charge got in first (then the order is paid, not expired). So no order is charged without
 *    being marked paid, and no paid order lacks its charge.
 * 4. State changes are Lua transitions that only apply from the expected status, so racing paths (webhook, another
 *    worker, the supervisor) apply each change once.
 */
export class PaymentProcessor {
  constructor(
    private readonly store: OrderStore,
    private readonly gateway: PaymentGateway,
    private readonly log: Logger,
  ) {}

  /**
   * Processes the order's payment. Throws (so BullMQ retries with backoff) when the gateway's answer is unknown;
   * on the last attempt it settles the order instead. Resolves with the order's final status.
   */
  async process(orderId: string, lastAttempt: boolean): Promise<OrderStatus | 'missing'> {
    const order = await this.store.record(orderId);
    if (!order) {
      this.log.error({ orderId }, 'payment job for an unknown order');
      return 'missing';
    }
    if (TERMINAL_ORDER_STATUSES.includes(order.status)) return order.status;
    if (order.status === 'reserved') {
      const begun = await this.store.transition(order, 'begin', { reason: 'payment window elapsed before payment started' });
      if (begun.status !== 'pending_payment') return begun.status;
    }
    if (Date.now() >= order.deadline) return this.stop(order, 'expire', 'payment window elapsed');
    let charge: GatewayCharge;
    try {
      charge = await this.gateway.charge({
        idempotencyKey: order.id,
        reference: order.id,
        amount: order.amount,
        currency: order.currency,
        description: `${order.quantity} × ${order.title}`.slice(0, 200),
      });
    } catch (err) {
      if (!(err instanceof GatewayError) || !lastAttempt) throw err;
      this.log.warn({ orderId, err: err.message }, 'last payment attempt failed; settling the order with the gateway');
      return this.stop(order, 'fail', 'payment gateway unavailable');
    }
    return this.settle(order, charge);
  }

  /** Applies a final gateway record to the order. */
  private async settle(order: OrderRecord, charge: GatewayCharge): Promise<OrderStatus> {
    if (charge.status !== 'cancelled' && (charge.amount !== order.amount || charge.currency !== order.currency)) {
      // Cannot happen with key = order id; if it does, a human must look: leave the order pending and fail the job.
      throw new Error(`gateway record for ${order.id} is ${charge.amount} ${charge.currency}, order is ${order.amount} ${order.currency}`);
    }
    let res;
    if (charge.status === 'succeeded') {
      res = await this.store.transition(order, 'paid', { chargeId: charge.id });
      if (res.status !== 'paid') this.log.error({ orderId: order.id, chargeId: charge.id, status: res.status }, 'charged an order that is not payable: refund needed');
    } else if (charge.status === 'declined') {
      res = await this.store.transition(order, 'fail', { reason: charge.declineCode ?? 'declined' });
    } else {
      // Someone (an earlier run of this job) cancelled the key: no charge exists and none can happen.
      res = await this.store.transition(order, Date.now() >= order.deadline ? 'expire' : 'fail', { reason: 'payment cancelled' });
    }
    return res.status;
  }

  /**
   * Stops trying: closes the key at the gateway first (a charge that got in before is honoured as paid), then marks
   * the order `outcome`. Throws GatewayError if the gateway cannot be reached (the job retries; the supervisor re-runs
   * failed jobs of orders still open).
   */
  private async stop(order: OrderRecord, outcome: 'expire' | 'fail', reason: string): Promise<OrderStatus> {
    const record = await this.gateway.cancel(order.id);
    if (record.status === 'succeeded' || record.status === 'declined') return this.settle(order, record);
    return (await this.store.transition(order, outcome, { reason })).status;
  }
}
