import type pg from 'pg';

/** The step a change takes (the order_events status it writes). */
export type FulfilmentStep = 'shipped' | 'delivered' | 'completed';

/**
 * The fulfilment columns of the ledger's orders (migration 0008). Every step is one conditional UPDATE with its history
 * row in the same statement: only a paid order that is not wholly refunded, only from the step before (so steps only
 * move forward, and two nodes or two staff racing apply a step once). The history row ('shipped', 'delivered') is also
 * what migration 0006's trigger turns into the order.shipped / order.delivered webhook, in the same transaction. Staff
 * steps (ship, deliver) also write their merchant_audit entry (`order.shipped`, `order.delivered`, scoped like the
 * refunds': the order's shop, else its room) in that statement, so the shop's audit trail names who shipped what and
 * an entry exists exactly when the step happened.
 */
export class FulfilmentStore {
  constructor(private readonly pool: pg.Pool) {}

  /** unfulfilled -> shipped. True if this call shipped it. */
  async ship(orderId: string, carrier: string, trackingNumber: string, reason: string, actor: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH upd AS (
         UPDATE orders SET fulfilment_status = 'shipped', carrier = $2, tracking_number = $3, shipped_at = clock_timestamp()
         WHERE id = $1 AND ${PAID} AND fulfilment_status = 'unfulfilled'
         RETURNING id, shipped_at, shop_id, room_id
       ),
       ev AS (INSERT INTO order_events (order_id, status, reason, actor, at) SELECT id, 'shipped', $4, $5, shipped_at FROM upd),
       au AS (${AUDIT} SELECT ${AUDIT_SCOPE}, $5, 'order.shipped', id,
                jsonb_build_object('carrier', $2::text, 'trackingNumber', $3::text, 'reason', $4::text), shipped_at FROM upd)
       SELECT id FROM upd`,
      [orderId, carrier, trackingNumber, reason, actor],
    );
    return rowCount === 1;
  }

  /** shipped -> delivered. True if this call delivered it. */
  async deliver(orderId: string, reason: string | null, actor: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH upd AS (
         UPDATE orders SET fulfilment_status = 'delivered', delivered_at = clock_timestamp()
         WHERE id = $1 AND ${PAID} AND fulfilment_status = 'shipped'
         RETURNING id, delivered_at, shop_id, room_id
       ),
       ev AS (INSERT INTO order_events (order_id, status, reason, actor, at) SELECT id, 'delivered', $2, $3, delivered_at FROM upd),
       au AS (${AUDIT} SELECT ${AUDIT_SCOPE}, $3, 'order.delivered', id, jsonb_strip_nulls(jsonb_build_object('reason', $2::text)),
                delivered_at FROM upd)
       SELECT id FROM upd`,
      [orderId, reason, actor],
    );
    return rowCount === 1;
  }

  /**
   * The buyer confirms receipt (确认收货): shipped or delivered -> completed, by the order's own buyer only. From shipped
   * the delivery is recorded too (its history row, so order.delivered still goes out as a webhook), both by the buyer.
   * The row is locked and re-checked, so a racing auto-completion or a second confirmation completes it once. True if
   * this call completed it.
   */
  async confirmReceipt(orderId: string, buyerId: string, reason: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH cur AS (
         SELECT id, fulfilment_status AS was FROM orders
         WHERE id = $1 AND buyer_id = $2 AND ${PAID} AND fulfilment_status IN ('shipped', 'delivered')
         FOR UPDATE
       ),
       upd AS (
         UPDATE orders o SET fulfilment_status = 'completed', delivered_at = coalesce(o.delivered_at, clock_timestamp()),
                completed_at = clock_timestamp()
         FROM cur WHERE o.id = cur.id
         RETURNING o.id, o.delivered_at, o.completed_at, cur.was
       ),
       -- One INSERT, in step order (the history reads by id: delivered before completed).
       ev AS (
         INSERT INTO order_events (order_id, status, reason, actor, at)
         SELECT id, status, $3, $2, at FROM (
           SELECT id, 'delivered' AS status, delivered_at AS at, 1 AS step FROM upd WHERE was = 'shipped'
           UNION ALL SELECT id, 'completed', completed_at, 2 FROM upd
         ) steps ORDER BY step
       )
       SELECT id FROM upd`,
      [orderId, buyerId, reason],
    );
    return rowCount === 1;
  }

  /**
   * delivered -> completed for up to `limit` orders delivered at least `afterMs` ago (PostgreSQL's clock). Rows another
   * node is completing are skipped (SKIP LOCKED) and the UPDATE re-checks the step, so concurrent nodes complete each
   * order once. Returns the ids this call completed.
   */
  async completeDue(afterMs: number, limit: number, reason: string, actor: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `WITH due AS (
         SELECT id FROM orders
         WHERE fulfilment_status = 'delivered' AND delivered_at <= clock_timestamp() - $1 * interval '1 millisecond'
         ORDER BY delivered_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ),
       upd AS (
         UPDATE orders o SET fulfilment_status = 'completed', completed_at = clock_timestamp()
         FROM due WHERE o.id = due.id AND o.fulfilment_status = 'delivered'
         RETURNING o.id, o.completed_at
       ),
       ev AS (INSERT INTO order_events (order_id, status, reason, actor, at) SELECT id, 'completed', $3, $4, completed_at FROM upd)
       SELECT id FROM upd`,
      [afterMs, limit, reason, actor],
    );
    return rows.map((r) => r.id);
  }
}

/** The merchant_audit insert of a staff step; its scope is the order's shop, else its room (as refunds scope theirs). */
const AUDIT = 'INSERT INTO merchant_audit (scope, scope_id, actor, action, target, details, at)';
const AUDIT_SCOPE = `CASE WHEN shop_id IS NOT NULL THEN 'shop' ELSE 'room' END, coalesce(shop_id, room_id, '')`;

/** What "paid" means for fulfilment: paid, and not wholly refunded (a free order counts as paid). */
const PAID = `status = 'paid' AND (refunded_amount < amount OR amount = 0)`;
