import type { Logger } from '../infra/log.ts';
import type { OrderStore } from '../orders/store.ts';
import type { PaymentQueue } from './queue.ts';

/** A reserved order is normally queued within milliseconds; after this long without confirmation it is (re)queued. */
export const UNQUEUED_GRACE_MS = 3_000;
/** Orders handled per tick and list. */
const BATCH = 200;

/**
 * The safety net that makes "no lost order" hold whatever crashes: runs on every node and payment worker process each
 * tick (every step is idempotent, so several running at once is fine).
 *
 * - Reserved orders whose job was never confirmed queued (the process died between reserving and queuing) get queued.
 * - Reserved orders past their deadline expire (their stock returns): they never reached the gateway.
 * - Orders still paying past their deadline get their job re-run if it failed or vanished; the job then cancels at the
 *   gateway and settles the order. They are re-checked every `recheckMs` until final.
 */
export async function superviseOrders(store: OrderStore, queue: PaymentQueue, log: Logger, recheckMs: number): Promise<void> {
  const now = Date.now();
  for (const orderId of await store.unqueued(now - UNQUEUED_GRACE_MS, BATCH)) {
    const did = await queue.ensure(orderId);
    await store.markQueued(orderId);
    if (did !== 'present') log.warn({ orderId, did }, 'queued a reserved order whose payment job was missing');
  }
  for (const orderId of await store.due(now, BATCH)) {
    const order = await store.record(orderId);
    if (order?.status === 'reserved') {
      const res = await store.transition(order, 'expire', { reason: 'payment window elapsed' });
      if (res.changed) log.info({ orderId }, 'reservation expired; stock returned');
    } else if (order?.status === 'pending_payment') {
      const did = await queue.ensure(orderId);
      if (did !== 'present') log.warn({ orderId, did }, 're-ran the payment job of an order past its deadline');
      await store.recheckAt(orderId, now + recheckMs);
    }
  }
}
