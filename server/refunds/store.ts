import type pg from 'pg';
import type { MerchantAuditEntry, Refund, RefundRequest } from '@hawker/protocol';
import { decodeCursor, encodeCursor } from '../ledger/orders.ts';
import { inTransaction } from '../ledger/tx.ts';

/** A pool or a client inside a transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

/** What refunds need of an order (the ledger row, with its refund totals of migration 0007). */
export interface OrderFacts {
  id: string;
  buyerId: string;
  roomId: string | null;
  shopId: string | null;
  productId: string;
  skuId: string;
  status: string;
  chargeId: string | null;
  quantity: number;
  unitPrice: number;
  amount: number;
  currency: string;
  paidAt: number | null;
  refundedAmount: number;
  refundedQuantity: number;
  heldAmount: number;
  heldQuantity: number;
}

/** A refund row as this domain reads it (the wire Refund plus what the gateway call needs). */
export interface RefundRow extends Refund {
  idempotencyKey: string;
  chargeId: string;
  fingerprint: string | null;
  restockedAt: number | null;
}

/** A new order refund, before its gateway call. */
export interface NewRefund {
  id: string;
  idempotencyKey: string;
  chargeId: string;
  orderId: string;
  kind: 'merchant' | 'buyer_request' | 'gateway';
  amount: number;
  quantity: number;
  currency: string;
  reason: string;
  restock: boolean;
  fingerprint: string;
  actor: string;
}

/** Where an audit entry belongs: the order's shop, or its room for a room's own product. */
export type AuditScope = { kind: 'shop' | 'room'; id: string };

const ORDER_COLUMNS = `id, buyer_id, room_id, shop_id, product_id, sku_id, status, charge_id, quantity, unit_price, amount, currency,
  paid_at, refunded_amount, refunded_quantity, refund_held, refund_held_quantity`;
const REFUND_COLUMNS = `id, idempotency_key, charge_id, order_id, kind, amount, quantity, currency, reason, status, restock, restocked_at,
  failure_reason, actor, fingerprint, created_at, updated_at`;
const REQUEST_COLUMNS = `id, order_id, buyer_id, reason, quantity, status, decided_by, decision_reason, refund_id, created_at, decided_at`;

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

/**
 * Refunds, refund requests and the merchant audit trail in PostgreSQL (migrations 0001, 0006, 0007). The rule that a
 * refund never exceeds what was paid is the ledger's (refund_hold trigger and the orders CHECKs of 0007); this store
 * only writes rows and reads them back.
 */
export class RefundStore {
  constructor(readonly db: pg.Pool) {}

  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.db, fn);
  }

  /** The order, `lock`ed against concurrent refunds and requests (FOR UPDATE) inside a transaction. */
  async order(c: Db, id: string, lock = false): Promise<OrderFacts | null> {
    const { rows } = await c.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      buyerId: r.buyer_id,
      roomId: r.room_id,
      shopId: r.shop_id,
      productId: r.product_id,
      skuId: r.sku_id,
      status: r.status,
      chargeId: r.charge_id,
      quantity: Number(r.quantity),
      unitPrice: Number(r.unit_price),
      amount: Number(r.amount),
      currency: r.currency,
      paidAt: r.paid_at ? ms(r.paid_at) : null,
      refundedAmount: Number(r.refunded_amount),
      refundedQuantity: Number(r.refunded_quantity),
      heldAmount: Number(r.refund_held),
      heldQuantity: Number(r.refund_held_quantity),
    };
  }

  /** A shop's owner, kind and staff (what the policy needs), or null. */
  async shop(id: string): Promise<{ ownerId: string; kind: 'merchant' | 'creator'; staff: string[] } | null> {
    const { rows } = await this.db.query<{ owner_id: string; kind: 'merchant' | 'creator'; staff: string[] }>(
      `SELECT s.owner_id, s.kind, coalesce(array_agg(st.user_id) FILTER (WHERE st.user_id IS NOT NULL), '{}') AS staff
         FROM shops s LEFT JOIN shop_staff st ON st.shop_id = s.id WHERE s.id = $1 GROUP BY s.id`,
      [id],
    );
    const r = rows[0];
    return r ? { ownerId: r.owner_id, kind: r.kind, staff: r.staff } : null;
  }

  async countRefunds(c: Db, orderId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM refunds WHERE order_id = $1 AND kind <> 'reconciliation'`,
      [orderId],
    );
    return rows[0]!.n;
  }

  /**
   * Inserts a requested refund; its trigger holds the amount on the order (migration 0007). Null if the idempotency
   * key is taken. Throws PostgreSQL's 23514 (more than was paid) or P0001 (the order is not paid by the charge).
   */
  async insertRefund(c: Db, r: NewRefund): Promise<RefundRow | null> {
    const { rows } = await c.query(
      `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, kind, amount, quantity, currency, reason, status, restock,
                            fingerprint, actor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', $10, $11, $12)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${REFUND_COLUMNS}`,
      [
        r.id,
        r.idempotencyKey,
        r.chargeId,
        r.orderId,
        r.kind,
        r.amount,
        r.quantity,
        r.currency,
        r.reason,
        r.restock,
        r.fingerprint,
        r.actor,
      ],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  /** The order a payment charge paid (charges.disposition 'payment'), or null for any other charge or none. */
  async orderOfCharge(chargeId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ order_id: string }>(
      `SELECT order_id FROM charges WHERE id = $1 AND disposition = 'payment' AND order_id IS NOT NULL`,
      [chargeId],
    );
    return rows[0]?.order_id ?? null;
  }

  async refundByKey(c: Db, key: string): Promise<RefundRow | null> {
    const { rows } = await c.query(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE idempotency_key = $1`, [key]);
    return rows[0] ? toRefund(rows[0]) : null;
  }

  async refund(c: Db, id: string): Promise<RefundRow | null> {
    const { rows } = await c.query(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1`, [id]);
    return rows[0] ? toRefund(rows[0]) : null;
  }

  async refundsOf(orderId: string, c: Db = this.db): Promise<RefundRow[]> {
    const { rows } = await c.query(
      `SELECT ${REFUND_COLUMNS} FROM refunds WHERE order_id = $1 AND kind <> 'reconciliation' ORDER BY created_at, id`,
      [orderId],
    );
    return rows.map(toRefund);
  }

  /** Counts a gateway call about to be made (the retry pass waits REFUND_RETRY_MS after the last one). */
  async markAttempt(id: string): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET attempts = attempts + 1, attempted_at = clock_timestamp() WHERE id = $1 AND status = 'requested'`,
      [id],
    );
  }

  /**
   * requested -> succeeded | failed, once (the settle trigger moves the order's totals). Null if it was settled already.
   * On `c` when given (a refund recorded and settled in one transaction).
   */
  async settle(
    id: string,
    status: 'succeeded' | 'failed',
    gatewayRefundId: string | null,
    failureReason: string | null,
    c: Db = this.db,
  ): Promise<RefundRow | null> {
    const { rows } = await c.query(
      `UPDATE refunds SET status = $2, gateway_refund_id = $3, failure_reason = $4, updated_at = clock_timestamp()
       WHERE id = $1 AND status = 'requested' RETURNING ${REFUND_COLUMNS}`,
      [id, status, gatewayRefundId, failureReason?.slice(0, 500) ?? null],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  /** Marks a succeeded refund's units restocked, once (run inside the stock module's restock transaction). */
  async claimRestock(c: Db, id: string): Promise<boolean> {
    const { rowCount } = await c.query(
      `UPDATE refunds SET restocked_at = clock_timestamp() WHERE id = $1 AND status = 'succeeded' AND restock AND restocked_at IS NULL`,
      [id],
    );
    return rowCount === 1;
  }

  /** Gives up a restock that cannot happen (the SKU is at its cap): the refund stands, its units stay sold. */
  /**
   * Drops a refund's pending restock; true if this call dropped it. The request and the retry pass may both find the
   * same restock over the cap: only the one that flips the row records it.
   */
  async dropRestock(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`UPDATE refunds SET restock = false WHERE id = $1 AND restock AND restocked_at IS NULL`, [id]);
    return rowCount === 1;
  }

  /**
   * Work for the retry pass: requested refunds whose last gateway call is older than `olderThanMs` (outcome unknown),
   * and succeeded refunds with restock whose units are not back yet (a crash in between).
   */
  async due(olderThanMs: number, limit: number): Promise<RefundRow[]> {
    const { rows } = await this.db.query(
      `(SELECT ${REFUND_COLUMNS} FROM refunds
         WHERE status = 'requested' AND kind <> 'reconciliation'
           AND (attempted_at IS NULL OR attempted_at < clock_timestamp() - make_interval(secs => $1 / 1000.0))
         ORDER BY attempted_at NULLS FIRST LIMIT $2)
       UNION ALL
       (SELECT ${REFUND_COLUMNS} FROM refunds
         WHERE status = 'succeeded' AND restock AND restocked_at IS NULL AND kind <> 'reconciliation'
           AND updated_at < clock_timestamp() - make_interval(secs => $1 / 1000.0)
         LIMIT $2)`,
      [olderThanMs, limit],
    );
    return rows.map(toRefund);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Buyer refund requests

  async request(c: Db, id: string, lock = false): Promise<RefundRequest | null> {
    const { rows } = await c.query(`SELECT ${REQUEST_COLUMNS} FROM refund_requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async requestsOf(orderId: string): Promise<RefundRequest[]> {
    const { rows } = await this.db.query(`SELECT ${REQUEST_COLUMNS} FROM refund_requests WHERE order_id = $1 ORDER BY created_at, id`, [
      orderId,
    ]);
    return rows.map(toRequest);
  }

  /**
   * A shop's requests, newest first (keyset on created_at, id), optionally of one status. Throws CursorError on a
   * cursor this server did not make.
   */
  async requestsOfShop(
    shopId: string,
    q: { status?: RefundRequest['status']; limit: number; cursor?: string },
  ): Promise<{ requests: RefundRequest[]; nextCursor: string | null }> {
    const where = ['shop_id = $1'];
    const args: unknown[] = [shopId];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (q.status) where.push(`status = ${arg(q.status)}`);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      where.push(`(created_at, id) < (${arg(c.createdAt)}::timestamptz, ${arg(c.id)})`);
    }
    const { rows } = await this.db.query(
      `SELECT ${REQUEST_COLUMNS}, created_at::text AS created_exact FROM refund_requests WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT ${arg(q.limit + 1)}`,
      args,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      requests: page.map(toRequest),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_exact as string, last.id as string) : null,
    };
  }

  /** Serialises a buyer's new requests until the transaction ends (the open-request limit counts under it). */
  async lockBuyer(c: Db, buyerId: string): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`hawker:refund-requests:${buyerId}`]);
  }

  async requestCounts(c: Db, orderId: string, buyerId: string): Promise<{ orderAll: number; orderOpen: number; buyerOpen: number }> {
    const { rows } = await c.query<{ order_all: number; order_open: number; buyer_open: number }>(
      `SELECT (SELECT count(*)::int FROM refund_requests WHERE order_id = $1) AS order_all,
              (SELECT count(*)::int FROM refund_requests WHERE order_id = $1 AND status = 'open') AS order_open,
              (SELECT count(*)::int FROM refund_requests WHERE buyer_id = $2 AND status = 'open') AS buyer_open`,
      [orderId, buyerId],
    );
    return { orderAll: rows[0]!.order_all, orderOpen: rows[0]!.order_open, buyerOpen: rows[0]!.buyer_open };
  }

  async insertRequest(
    c: Db,
    r: { id: string; orderId: string; buyerId: string; shopId: string | null; reason: string; quantity: number },
  ): Promise<RefundRequest> {
    const { rows } = await c.query(
      `INSERT INTO refund_requests (id, order_id, buyer_id, shop_id, reason, quantity, status) VALUES ($1, $2, $3, $4, $5, $6, 'open')
       RETURNING ${REQUEST_COLUMNS}`,
      [r.id, r.orderId, r.buyerId, r.shopId, r.reason, r.quantity],
    );
    return toRequest(rows[0]!);
  }

  /** open -> approved (with its refund) or rejected, once; null if it was decided already. */
  async decide(
    c: Db,
    id: string,
    d: { status: 'approved' | 'rejected'; by: string; reason: string | null; refundId: string | null },
  ): Promise<RefundRequest | null> {
    const { rows } = await c.query(
      `UPDATE refund_requests SET status = $2, decided_by = $3, decision_reason = $4, refund_id = $5, decided_at = clock_timestamp()
       WHERE id = $1 AND status = 'open' RETURNING ${REQUEST_COLUMNS}`,
      [id, d.status, d.by, d.reason, d.refundId],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Merchant audit trail (migration 0006's merchant_audit)

  /** Appends an entry (on `c`, so an audited change and its entry commit together). */
  async audit(c: Db, scope: AuditScope, actor: string, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    await c.query('INSERT INTO merchant_audit (scope, scope_id, actor, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [
      scope.kind,
      scope.id,
      actor,
      action,
      target,
      JSON.stringify(details),
    ]);
  }

  /** A scope's entries, newest first (keyset on id), optionally in [from, to) and for one action. */
  async auditPage(
    scope: AuditScope,
    q: { from?: number; to?: number; action?: string; cursor?: string; limit: number },
  ): Promise<{ entries: MerchantAuditEntry[]; nextCursor: string | null }> {
    const where = ['scope = $1', 'scope_id = $2'];
    const args: unknown[] = [scope.kind, scope.id];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (q.action !== undefined) where.push(`action = ${arg(q.action)}`);
    if (q.from !== undefined) where.push(`at >= ${arg(new Date(q.from))}`);
    if (q.to !== undefined) where.push(`at < ${arg(new Date(q.to))}`);
    if (q.cursor !== undefined) where.push(`id < ${arg(q.cursor)}::bigint`);
    const { rows } = await this.db.query(
      `SELECT id::text AS id, scope, scope_id, actor, action, target, details, at FROM merchant_audit
       WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${arg(q.limit + 1)}`,
      args,
    );
    const page = rows.slice(0, q.limit);
    return {
      entries: page.map((r) => ({
        id: r.id,
        scope: r.scope,
        scopeId: r.scope_id,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: r.details ?? {},
        at: ms(r.at),
      })),
      nextCursor: rows.length > q.limit ? (page[page.length - 1]!.id as string) : null,
    };
  }
}

function toRefund(r: Record<string, unknown>): RefundRow {
  return {
    id: r.id as string,
    orderId: r.order_id as string,
    kind: r.kind === 'buyer_request' || r.kind === 'gateway' ? r.kind : 'merchant',
    amount: Number(r.amount),
    quantity: Number(r.quantity),
    currency: r.currency as string,
    reason: r.reason as string,
    status: r.status as RefundRow['status'],
    restock: r.restock === true,
    restocked: r.restocked_at !== null && r.restocked_at !== undefined,
    failureReason: (r.failure_reason as string | null) ?? null,
    actor: r.actor as string,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
    idempotencyKey: r.idempotency_key as string,
    chargeId: r.charge_id as string,
    fingerprint: (r.fingerprint as string | null) ?? null,
    restockedAt: r.restocked_at ? ms(r.restocked_at) : null,
  };
}

/** The wire form of a refund row. */
export function refundView(r: RefundRow): Refund {
  const { idempotencyKey: _k, chargeId: _c, fingerprint: _f, restockedAt: _r, ...refund } = r;
  return refund;
}

function toRequest(r: Record<string, unknown>): RefundRequest {
  return {
    id: r.id as string,
    orderId: r.order_id as string,
    buyerId: r.buyer_id as string,
    reason: r.reason as string,
    quantity: Number(r.quantity),
    status: r.status as RefundRequest['status'],
    decidedBy: (r.decided_by as string | null) ?? null,
    decisionReason: (r.decision_reason as string | null) ?? null,
    refundId: (r.refund_id as string | null) ?? null,
    createdAt: ms(r.created_at),
    decidedAt: r.decided_at ? ms(r.decided_at) : null,
  };
}
