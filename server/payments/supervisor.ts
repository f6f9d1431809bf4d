import type { Logger } from '../kernel/log.ts';
import type { LedgerOrders } from '../ledger/index.ts';
import { settleUnconfirmed } from '../orders/unconfirmed.ts';
import type { OrderStore } from '../orders/store.ts';
import type { PaymentQueue } from './queue.ts';

/** A committed reserved order is normally queued within milliseconds; after this long without the mark it is (re)queued. */
export const UNQUEUED_GRACE_MS = 3_000;
/** Orders handled per tick and list. */
const BATCH = 200;

/**
 * The safety net that makes "no lost order" hold whatever crashes: runs on every node and payment worker process each
 * tick (every step is idempotent and conditional in the ledger, so several running at once is fine).
 *
 * - Committed reserved orders whose payment job is not marked queued (the process died between commit and queuing,
 *   or Redis lost the queue) get queued: the ledger row is the outbox.
 * - Reserved orders past their deadline expire in the ledger, then in Redis (their stock returns): they never reached
 *   the gateway.
 * - Orders still paying past their deadline get their job re-run if it failed or vanished; the job then cancels at the
 *   gateway and settles the order. They are re-checked every `recheckMs` until final.
 * - Reservations Redis holds that never reached the ledger are settled: the ledger gets a cancelled tombstone under
 *   their (buyer, key), so a late commit cannot resurrect them, and only then is their stock released.
 * - Redis orders still open past their deadline are brought to the ledger's status (a mirror a crash skipped).
 */
export async function superviseOrders(
  ledger: LedgerOrders,
  store: OrderStore,
  queue: PaymentQueue,
  log: Logger,
  recheckMs: number,
): Promise<void> {
  const queued: string[] = [];
  for (const orderId of await ledger.unqueued(UNQUEUED_GRACE_MS, BATCH)) {
    const did = await queue.ensure(orderId);
    queued.push(orderId);
    if (did !== 'present') log.warn({ orderId, did }, 'queued a reserved order whose payment job was missing');
  }
  await ledger.markQueued(queued);

  for (const { id, status } of await ledger.due(BATCH)) {
    if (status === 'reserved') {
      const res = await ledger.transition(id, ['reserved'], 'expired', {
        reason: 'payment window elapsed',
        actor: 'system:supervisor',
        deadline: 'passed',
      });
      if (res?.changed) {
        await store.mirror(res.order);
        log.info({ orderId: id }, 'reservation expired; stock returned');
      }
    } else {
      const did = await queue.ensure(id);
      if (did !== 'present') log.warn({ orderId: id, did }, 're-ran the payment job of an order past its deadline');
      await ledger.recheckAt(id, recheckMs);
    }
  }

  await settleUnconfirmed(ledger, store, log);

  const now = Date.now();
  const lagging = await store.openPastDeadline(now, BATCH);
  if (lagging.length) {
    const known = await ledger.getMany(lagging);
    for (const orderId of lagging) {
      const order = known.get(orderId);
      if (order && order.status !== 'reserved' && order.status !== 'pending_payment') {
        const res = await store.mirror(order);
        if (res?.changed) log.warn({ orderId, status: order.status }, 'brought a Redis order to the status the ledger holds');
      } else {
        // Still open in the ledger (the ledger paths above settle it), or never committed (settleUnconfirmed does).
        await store.recheckAt(orderId, now + recheckMs);
      }
    }
  }
}
