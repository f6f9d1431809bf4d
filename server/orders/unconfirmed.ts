import type { Logger } from '../kernel/log.ts';
import type { LedgerOrders, NewOrder } from '../ledger/index.ts';
import type { OrderStore } from './store.ts';

/**
 * A reservation not committed to the ledger after this long was abandoned (its node died, or the ledger was down and
 * the buyer was answered UNAVAILABLE). Far above any commit's duration (statement timeout 15 s).
 */
export const UNCONFIRMED_GRACE_MS = 30_000;
/** Reservations settled per call. */
const BATCH = 200;

/**
 * Settles reservations Redis holds that never reached the ledger: the ledger gets a `cancelled` tombstone under their
 * (buyer, key), so a late commit cannot resurrect them, and only then is their stock released; one that did reach the
 * ledger gets its Redis copy brought to the ledger's status. Run by the payment supervisor and by recovery.
 */
export async function settleUnconfirmed(
  ledger: LedgerOrders,
  store: OrderStore,
  log: Logger,
  graceMs = UNCONFIRMED_GRACE_MS,
  /** Recovery's own call, made while the fence is down and before it reads the ledger to rebuild the counters. */
  duringRecovery = false,
): Promise<number> {
  const stale = await store.unconfirmed(Date.now() - graceMs, BATCH);
  let released = 0;
  for (const orderId of stale) {
    const rec = await store.record(orderId);
    if (!rec) {
      await store.confirm([orderId]);
      continue;
    }
    const fingerprint = store.fingerprint(
      rec.poolKind === 'sale'
        ? { kind: 'sale', saleId: rec.saleId!, productId: rec.productId, skuId: rec.skuId }
        : { kind: 'sku', productId: rec.productId, skuId: rec.skuId },
      rec.quantity,
    );
    const row: NewOrder = {
      id: rec.id,
      buyerId: rec.buyerId,
      idempotencyKey: rec.idempotencyKey,
      fingerprint,
      roomId: rec.roomId,
      agencyId: rec.agencyId,
      poolKind: rec.poolKind,
      productId: rec.productId,
      skuId: rec.skuId,
      saleId: rec.saleId,
      title: rec.title,
      quantity: rec.quantity,
      unitPrice: rec.unitPrice,
      currency: rec.currency,
      createdAt: rec.createdAt,
      deadline: rec.deadline,
      channel: rec.channel,
      shopId: rec.shopId,
      creatorId: rec.creatorId,
    };
    if (await ledger.tombstone(row, 'not recorded in time; nothing was charged; place the order again')) {
      await store.transition(rec, 'cancel', { reason: 'not recorded in time', unfenced: duringRecovery });
      released++;
      log.warn({ orderId }, 'released a reservation that never reached the ledger (it was never acknowledged)');
    } else {
      // It did reach the ledger: bring the mirror to the ledger's status.
      const order = await ledger.get(orderId);
      if (order) await store.mirror(order, { unfenced: duringRecovery });
    }
    await store.confirm([orderId]);
  }
  return released;
}
