import type pg from 'pg';
import {
  FULFILMENT_STEPS,
  type FulfilmentStatus,
  type Order,
  type OrderChannel,
  type OrderFulfilment,
  type OrderStatus,
  type OrderTimelineEvent,
} from '@hawker/protocol';
import { commissionAmount } from './commission.ts';
import { Batcher } from './batcher.ts';

/** An order as the ledger keeps it: the wire `Order` plus what only the server needs. */
export interface LedgerOrder extends Order {
  agencyId: string | null;
  poolKind: 'sku' | 'sale';
  idempotencyKey: string;
  fingerprint: string;
  paidAt: number | null;
  refundedAmount: number;
  jobQueued: boolean;
}

/** A reservation Redis just made, to be made durable. */
export interface NewOrder {
  id: string;
  buyerId: string;
  idempotencyKey: string;
  fingerprint: string;
  /** Null only outside a room (storefront, search). */
  roomId: string | null;
  agencyId: string | null;
  poolKind: 'sku' | 'sale';
  productId: string;
  skuId: string;
  saleId: string | null;
  title: string;
  quantity: number;
  unitPrice: number;
  currency: string;
  createdAt: number;
  deadline: number;
  /** Default 'live' (a room order). */
  channel?: OrderChannel;
  /** A shop product's order: the shop, the credited creator, and the line as bought (migration 0003). */
  shopId?: string | null;
  creatorId?: string | null;
  line?: OrderLineSnapshot | null;
}

/** What an order line of a shop product fixes when it is placed (order_lines columns of migration 0003). */
export interface OrderLineSnapshot {
  productVersion: number;
  skuCode: string;
  options: string[];
  imageUrl: string;
  /** The seller: the credited creator and their agency (null: no creator, e.g. storefront). */
  creatorId: string | null;
  agencyId: string | null;
  /** Null: no commission (the creator's own shop, or no creator). */
  commissionRateBps: number | null;
}

/**
 * What recording a reservation came to: `recorded` (this row is now durable), or `existing`: the (buyer, idempotency
 * key) or the id already had a row (an earlier attempt, or the supervisor's tombstone for an abandoned reservation).
 */
export type RecordOutcome = { kind: 'recorded'; order: LedgerOrder } | { kind: 'existing'; order: LedgerOrder };

/** A gateway call's answer, recorded on its payment attempt in the statement of the status change it causes. */
export interface FinishedAttempt {
  id: number;
  outcome: 'succeeded' | 'declined' | 'cancelled' | 'error';
  detail?: string | null;
}

/** Who moved an order: a user id, or one of the system's actors. */
export type Actor = string;

export interface TransitionOptions {
  reason?: string | null;
  actor: Actor;
}

/** Keyset page of orders, newest first. */
export interface OrderPage {
  orders: LedgerOrder[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface OrderListFilter {
  status?: OrderStatus;
  /** Created at or after (ms). */
  from?: number;
  /** Created before (ms). Also the legacy `before=` paging. */
  to?: number;
  limit: number;
  cursor?: string;
}

/**
 * What the ledger records of a gateway charge (a provider's charge record has at least these fields; the ledger does
 * not depend on any provider's contract).
 */
export interface ChargeRecord {
  id: string;
  idempotencyKey: string;
  reference: string;
  amount: number;
  currency: string;
  createdAt: number;
}

/** Orders written per INSERT at most (group commit; see Batcher). */
const MAX_BATCH = 200;
/** Batches in flight at once: enough to keep a pool busy, few enough to leave connections for everything else. */
const MAX_IN_FLIGHT = 4;
/**
 * The payment path's group commit (`begin`, `markPaid`): at most this many orders per statement, and this many
 * statements in flight. One worker runs PAYMENT_WORKER_CONCURRENCY jobs (64 by default), so a batch holds at most
 * about that many; two in flight keep the pool's other connections for everything else and make jobs that arrive
 * while both are out wait and share the next commit (issue 20 P3: a commit and a round trip per order each before).
 */
const PAY_BATCH = 100;
const PAY_IN_FLIGHT = 2;

type BeginItem = { id: string; gatewayKey: string };
type BeginRow = { changed: boolean; row: Record<string, unknown> | null; attemptId: number | null };
type PaidItem = { orderId: string; charge: ChargeRecord; source: 'worker' | 'webhook' | 'reconciliation'; attemptId: number | null };
type PaidRow = { changed: boolean; row: Record<string, unknown> | null; disposition: 'payment' | 'orphan' | 'duplicate' };

const ORDER_COLUMNS = `id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id, sale_id,
  title, quantity, unit_price, amount, currency, status, created_at, updated_at, deadline, charge_id, failure_reason,
  paid_at, refunded_amount, job_queued, channel, shop_id, creator_id,
  fulfilment_status, carrier, tracking_number, shipped_at, delivered_at, completed_at`;

/**
 * The orders of the money ledger (PostgreSQL): the system of record for every order's existence and status. Every
 * status change is one conditional UPDATE (`WHERE status = ANY(from)`) with its history row in the same statement, so
 * racing paths (worker, webhook, supervisor, nodes) apply each change once and the last word is always PostgreSQL's.
 * Redis mirrors the status for its stock scripts; callers apply the mirror after the change is committed here.
 */
export class LedgerOrders {
  private readonly inserts: Batcher<NewOrder, RecordOutcome>;
  private readonly begins: Batcher<BeginItem, BeginRow>;
  private readonly payments: Batcher<PaidItem, PaidRow>;

  constructor(private readonly pool: pg.Pool) {
    this.inserts = new Batcher((items) => this.insertBatch(items), { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT });
    this.begins = this.payBatcher(
      (i) => i.id,
      (b) => this.beginBatch(b),
      (i) => this.beginOne(i),
    );
    this.payments = this.payBatcher(
      (i) => i.orderId,
      (b) => this.markPaidBatch(b),
      (i) => this.markPaidOne(i),
    );
  }

  /** A payment-path group commit (PAY_BATCH orders per statement, PAY_IN_FLIGHT statements) run by `inBatches`. */
  private payBatcher<T, R>(key: (i: T) => string, batch: (items: T[]) => Promise<R[]>, one: (i: T) => Promise<R>): Batcher<T, R> {
    return new Batcher((items) => this.inBatches(items, key, batch, one), { maxBatch: PAY_BATCH, maxInFlight: PAY_IN_FLIGHT });
  }

  /**
   * Runs a payment-path batch: each order once per statement (a second item for the same order, a replayed job racing
   * its original or a webhook racing the worker, runs alone after it, so it sees what the first did, exactly as two
   * separate statements would). If the batch statement fails for a reason other than a deadlock or serialization abort
   * (retried whole) or than bad data, the error is every item's; bad data (nothing of the batch was applied) makes each
   * item run alone, so one order's data cannot fail the others.
   */
  private async inBatches<T, R>(
    items: T[],
    key: (i: T) => string,
    batch: (items: T[]) => Promise<R[]>,
    one: (i: T) => Promise<R>,
  ): Promise<R[]> {
    const seen = new Set<string>();
    const first: number[] = [];
    const again: number[] = [];
    items.forEach((item, n) => {
      const k = key(item);
      if (seen.has(k)) again.push(n);
      else {
        seen.add(k);
        first.push(n);
      }
    });
    const out = new Array<R>(items.length);
    const firstItems = first.map((n) => items[n]!);
    let results: R[];
    try {
      results = firstItems.length === 1 ? [await one(firstItems[0]!)] : await retryOnConflictAbort(() => batch(firstItems));
    } catch (err) {
      // Only an error about the data (SQLSTATE class 22, 23) can be one item's; anything else (PostgreSQL unreachable, a
      // timeout) would fail each item alone as well, one connection timeout after another, so it fails them all now.
      const code = (err as { code?: unknown }).code;
      if (firstItems.length === 1 || typeof code !== 'string' || !/^2[23]/.test(code)) throw err;
      results = [];
      for (const item of firstItems) results.push(await one(item));
    }
    first.forEach((n, j) => {
      out[n] = results[j]!;
    });
    for (const n of again) out[n] = await one(items[n]!);
    return out;
  }

  /**
   * Makes a reservation durable (group-committed with concurrent ones). Resolves once its row is committed, or with
   * the row that already holds its (buyer, idempotency key) or id; rejects if nothing could be written (then nothing
   * was: the caller must not acknowledge the order).
   */
  record(o: NewOrder): Promise<RecordOutcome> {
    return this.inserts.add(o);
  }

  private async insertBatch(batch: NewOrder[]): Promise<RecordOutcome[]> {
    // One row per order id (a replay can share a batch with its original), in one global order: concurrent batches
    // that insert the same keys then lock them in the same order and cannot deadlock on the unique indexes.
    const items = [...new Map(batch.map((i) => [i.id, i])).values()].sort((a, b) =>
      a.buyerId !== b.buyerId
        ? a.buyerId < b.buyerId
          ? -1
          : 1
        : a.idempotencyKey !== b.idempotencyKey
          ? a.idempotencyKey < b.idempotencyKey
            ? -1
            : 1
          : a.id < b.id
            ? -1
            : a.id > b.id
              ? 1
              : 0,
    );
    const col = <K extends keyof NewOrder>(k: K) => items.map((i) => i[k]);
    const iso = (k: 'createdAt' | 'deadline') => items.map((i) => new Date(i[k]).toISOString());
    const { rows } = await retryOnConflictAbort(() =>
      this.pool.query<{ id: string }>(
        `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                              $9::text[], $10::text[], $11::text[], $12::int[], $13::bigint[], $14::text[], $15::timestamptz[],
                              $16::timestamptz[], $17::text[], $18::text[], $19::text[], $20::int[], $21::text[],
                              $22::text[], $23::text[], $24::text[], $25::text[], $26::int[], $27::bigint[])
           AS t(id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id, sale_id, title,
                quantity, unit_price, currency, created_at, deadline, channel, shop_id, creator_id, product_version, sku_code,
                options, image_url, line_creator_id, line_agency_id, commission_rate_bps, commission_amount)
       ),
       ins AS (
         INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id,
                             sale_id, title, quantity, unit_price, amount, currency, status, created_at, updated_at, deadline,
                             channel, shop_id, creator_id)
         SELECT id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id, sale_id, title,
                quantity, unit_price, unit_price * quantity, currency, 'reserved', created_at, created_at, deadline,
                channel, shop_id, creator_id
         FROM input
         ON CONFLICT DO NOTHING
         RETURNING id, buyer_id
       ),
       lines AS (
         INSERT INTO order_lines (order_id, line_no, product_id, sku_id, sale_id, title, quantity, unit_price, amount,
                                  shop_id, product_version, sku_code, options, image_url, creator_id, agency_id,
                                  commission_rate_bps, commission_amount)
         SELECT i.id, 1, i.product_id, i.sku_id, i.sale_id, i.title, i.quantity, i.unit_price, i.unit_price * i.quantity,
                i.shop_id, i.product_version, i.sku_code,
                CASE WHEN i.options IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(i.options::jsonb)) END,
                i.image_url, i.line_creator_id, i.line_agency_id, i.commission_rate_bps, i.commission_amount
         FROM input i JOIN ins USING (id)
       ),
       ev AS (
         INSERT INTO order_events (order_id, status, actor) SELECT id, 'reserved', buyer_id FROM ins
       )
       SELECT id FROM ins`,
        [
          col('id'),
          col('buyerId'),
          col('idempotencyKey'),
          col('fingerprint'),
          col('roomId'),
          col('agencyId'),
          col('poolKind'),
          col('productId'),
          col('skuId'),
          col('saleId'),
          col('title'),
          col('quantity'),
          col('unitPrice'),
          col('currency'),
          iso('createdAt'),
          iso('deadline'),
          items.map((i) => i.channel ?? 'live'),
          items.map((i) => i.shopId ?? null),
          items.map((i) => i.creatorId ?? null),
          items.map((i) => i.line?.productVersion ?? null),
          items.map((i) => i.line?.skuCode ?? null),
          items.map((i) => (i.line ? JSON.stringify(i.line.options) : null)),
          items.map((i) => i.line?.imageUrl ?? null),
          items.map((i) => i.line?.creatorId ?? null),
          items.map((i) => i.line?.agencyId ?? null),
          items.map((i) => i.line?.commissionRateBps ?? null),
          // The commission is computed by the one rule (./commission.ts) the ledger's CHECK repeats.
          items.map((i) => commissionAmount(i.unitPrice * i.quantity, i.line?.commissionRateBps ?? null)),
        ],
      ),
    );
    const inserted = new Set(rows.map((r) => r.id));
    const missing = items.filter((i) => !inserted.has(i.id));
    const existing = new Map<string, LedgerOrder>();
    if (missing.length) {
      const found = await this.pool.query(
        `SELECT ${ORDER_COLUMNS} FROM orders
         WHERE id = ANY($1::text[]) OR (buyer_id, idempotency_key) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
        [missing.map((m) => m.id), missing.map((m) => m.buyerId), missing.map((m) => m.idempotencyKey)],
      );
      for (const row of found.rows) {
        const o = toOrder(row);
        existing.set(`id:${o.id}`, o);
        existing.set(`key:${o.buyerId}\n${o.idempotencyKey}`, o);
      }
    }
    return batch.map((i): RecordOutcome => {
      if (inserted.has(i.id)) return { kind: 'recorded', order: fromNew(i) };
      const o = existing.get(`key:${i.buyerId}\n${i.idempotencyKey}`) ?? existing.get(`id:${i.id}`);
      // A conflict we cannot see can only be a row deleted in between: orders are never deleted, so this is a bug.
      if (!o) throw new Error(`order ${i.id} conflicted with a row that does not exist`);
      return { kind: 'existing', order: o };
    });
  }

  /**
   * Writes an abandoned reservation as cancelled (the supervisor's tombstone), unless its row exists. Returns true if
   * the tombstone was written (the reservation was never durable: its Redis stock may be released), false if the order
   * is in the ledger after all (keep it).
   */
  async tombstone(o: NewOrder, reason: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH ins AS (
         INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id,
                             sale_id, title, quantity, unit_price, amount, currency, status, created_at, updated_at, deadline,
                             failure_reason, acknowledged, channel, shop_id, creator_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::int, $13::bigint, $13::bigint * $12::int, $14, 'cancelled', $15, clock_timestamp(), $16, $17, false, $18, $19, $20)
         ON CONFLICT DO NOTHING RETURNING id
       ),
       ev AS (INSERT INTO order_events (order_id, status, reason, actor) SELECT id, 'cancelled', $17, 'system:supervisor' FROM ins)
       SELECT id FROM ins`,
      [
        o.id,
        o.buyerId,
        o.idempotencyKey,
        o.fingerprint,
        o.roomId,
        o.agencyId,
        o.poolKind,
        o.productId,
        o.skuId,
        o.saleId,
        o.title,
        o.quantity,
        o.unitPrice,
        o.currency,
        new Date(o.createdAt),
        new Date(o.deadline),
        reason,
        o.channel ?? 'live',
        o.shopId ?? null,
        o.creatorId ?? null,
      ],
    );
    return rowCount === 1;
  }

  async get(id: string): Promise<LedgerOrder | null> {
    // Named (prepared once per connection): the payment path's webhooks and races read orders by id all the time.
    const { rows } = await this.pool.query({
      name: 'hawker-ledger-get',
      text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`,
      values: [id],
    });
    return rows[0] ? toOrder(rows[0]) : null;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, LedgerOrder>> {
    if (!ids.length) return new Map();
    const { rows } = await this.pool.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1::text[])`, [ids]);
    return new Map(rows.map((r) => [r.id as string, toOrder(r)]));
  }

  /**
   * Moves an order to `to` if its status is one of `from` (and the deadline condition holds); one statement, with the
   * history row. `changed: false` returns the order as it stands (another path got there first, or the condition
   * failed); null if there is no such order.
   */
  async transition(
    id: string,
    from: readonly OrderStatus[],
    to: OrderStatus,
    o: TransitionOptions & { deadline?: 'before' | 'passed'; attempt?: FinishedAttempt },
  ): Promise<{ changed: boolean; order: LedgerOrder } | null> {
    const deadline =
      o.deadline === 'before' ? 'AND deadline > clock_timestamp()' : o.deadline === 'passed' ? 'AND deadline <= clock_timestamp()' : '';
    // The gateway answer that caused this change, if any, is recorded on its attempt in the same statement (one round
    // trip, and the attempt's outcome commits with the status it caused); it is recorded whether or not the order moved.
    const attempt = o.attempt
      ? `, fin AS (UPDATE payment_attempts SET finished_at = clock_timestamp(), outcome = $6, detail = left($7, 500)
                   WHERE id = $8::bigint AND order_id = $1)`
      : '';
    const { rows } = await this.pool.query(
      `WITH upd AS (
         UPDATE orders SET status = $2, updated_at = clock_timestamp(), failure_reason = COALESCE($4, failure_reason),
                           next_check_at = NULL
         WHERE id = $1 AND status = ANY($3::text[]) ${deadline}
         RETURNING ${ORDER_COLUMNS}
       ),
       ev AS (INSERT INTO order_events (order_id, status, reason, actor) SELECT id, status, $4, $5 FROM upd)${attempt}
       SELECT ${ORDER_COLUMNS}, true AS changed FROM upd
       UNION ALL
       SELECT ${ORDER_COLUMNS}, false AS changed FROM orders WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM upd)`,
      [id, to, from, o.reason ?? null, o.actor, ...(o.attempt ? [o.attempt.outcome, o.attempt.detail ?? null, o.attempt.id] : [])],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.changed === true) return { changed: true, order: toOrder(row) };
    // Not applied: the statement's snapshot may predate a racing change it waited for; read what stands now.
    const now = await this.get(id);
    return now ? { changed: false, order: now } : null;
  }

  /**
   * Starts payment: reserved -> pending_payment while the deadline has not passed, recording the first charge attempt
   * (with its gateway key) in the same statement, so the attempt is durable before the gateway is called. Past the
   * deadline the order expires instead (it never reached the gateway).
   */
  async begin(id: string, gatewayKey: string): Promise<{ changed: boolean; order: LedgerOrder; attemptId: number | null } | null> {
    // Group-committed with concurrent jobs' begins (one statement and one commit for many orders); each resolves only
    // once its statement committed, so the attempt is durable before the caller goes to the gateway, as before.
    const res = await this.begins.add({ id, gatewayKey });
    if (!res.row) return null;
    if (res.changed) return { changed: true, order: toOrder(res.row), attemptId: res.attemptId };
    const order = toOrder(res.row);
    if (order.status === 'reserved') {
      const expired = await this.transition(id, ['reserved'], 'expired', {
        reason: 'payment window elapsed before payment started',
        actor: 'system:payments',
        deadline: 'passed',
      });
      if (expired) return { changed: false, order: expired.order, attemptId: null };
    }
    return { changed: false, order, attemptId: null };
  }

  /** `begin` of one order, one statement (a batch of one, a duplicate within a batch, or a failed batch's items). */
  private async beginOne(i: BeginItem): Promise<BeginRow> {
    const { rows } = await this.pool.query({
      name: 'hawker-ledger-begin-one',
      text: `WITH upd AS (
         UPDATE orders SET status = 'pending_payment', updated_at = clock_timestamp()
         WHERE id = $1 AND status = 'reserved' AND deadline > clock_timestamp()
         RETURNING ${ORDER_COLUMNS}
       ),
       ev AS (INSERT INTO order_events (order_id, status, actor) SELECT id, status, 'system:payments' FROM upd),
       att AS (INSERT INTO payment_attempts (order_id, kind, gateway_key) SELECT id, 'charge', $2 FROM upd RETURNING id)
       SELECT ${ORDER_COLUMNS}, true AS changed, (SELECT id FROM att) AS attempt_id FROM upd
       UNION ALL
       SELECT ${ORDER_COLUMNS}, false AS changed, NULL FROM orders WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM upd)`,
      values: [i.id, i.gatewayKey],
    });
    const row = rows[0];
    if (!row) return { changed: false, row: null, attemptId: null };
    return { changed: row.changed === true, row, attemptId: row.changed === true ? Number(row.attempt_id) : null };
  }

  /**
   * `begin` of many orders (distinct ids) in one statement: the same conditional UPDATE, history row and attempt per
   * order as {@link beginOne}, joined on the input; ids sorted so concurrent batches lock rows in one order.
   */
  private async beginBatch(items: BeginItem[]): Promise<BeginRow[]> {
    const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const { rows } = await this.pool.query({
      name: 'hawker-ledger-begin-batch',
      text: `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(in_id, in_key)),
       upd AS (
         UPDATE orders SET status = 'pending_payment', updated_at = clock_timestamp()
         FROM input WHERE id = in_id AND status = 'reserved' AND deadline > clock_timestamp()
         RETURNING ${ORDER_COLUMNS}, in_key
       ),
       ev AS (INSERT INTO order_events (order_id, status, actor) SELECT id, status, 'system:payments' FROM upd),
       att AS (INSERT INTO payment_attempts (order_id, kind, gateway_key) SELECT id, 'charge', in_key FROM upd RETURNING id AS attempt_id, order_id)
       SELECT ${ORDER_COLUMNS}, true AS changed, attempt_id FROM upd JOIN att ON att.order_id = upd.id
       UNION ALL
       SELECT ${ORDER_COLUMNS}, false AS changed, NULL FROM orders
       WHERE id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM upd WHERE upd.id = orders.id)`,
      values: [sorted.map((i) => i.id), sorted.map((i) => i.gatewayKey)],
    });
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    return items.map((i) => {
      const row = byId.get(i.id);
      if (!row) return { changed: false, row: null, attemptId: null };
      return { changed: row.changed === true, row, attemptId: row.changed === true ? Number(row.attempt_id) : null };
    });
  }

  /** Records a gateway call about to be made (durable before money moves); returns the attempt id. */
  async startAttempt(orderId: string, kind: 'charge' | 'cancel', gatewayKey: string): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO payment_attempts (order_id, kind, gateway_key) VALUES ($1, $2, $3) RETURNING id`,
      [orderId, kind, gatewayKey],
    );
    return Number(rows[0]!.id);
  }

  async finishAttempt(attemptId: number, outcome: 'succeeded' | 'declined' | 'cancelled' | 'error', detail?: string): Promise<void> {
    await this.pool.query(`UPDATE payment_attempts SET finished_at = clock_timestamp(), outcome = $2, detail = $3 WHERE id = $1`, [
      attemptId,
      outcome,
      detail?.slice(0, 500) ?? null,
    ]);
  }

  /**
   * Applies a succeeded gateway charge: pending_payment (or reserved: the charge's own key proves payment started,
   * whatever the ledger last heard) -> paid with the charge recorded as the order's payment, in one statement. A charge that cannot be the order's payment (the order is already paid by another charge, or ended
   * unpaid) is recorded too, as `duplicate` or `orphan`, for reconciliation to refund. Idempotent per charge id.
   */
  async markPaid(
    orderId: string,
    charge: ChargeRecord,
    source: 'worker' | 'webhook' | 'reconciliation',
    /** The charge attempt this answer finishes (recorded `succeeded` in the same statement), if the caller made one. */
    attemptId: number | null = null,
  ): Promise<{ changed: boolean; order: LedgerOrder; disposition: 'payment' | 'orphan' | 'duplicate' } | null> {
    // Group-committed with concurrent payments (one statement and one commit for many orders); resolves once committed.
    const res = await this.payments.add({ orderId, charge, source, attemptId });
    if (!res.row) return null;
    if (res.changed) return { changed: true, order: toOrder(res.row), disposition: 'payment' };
    // Not applied: a racing path (webhook, worker) may have paid it while this statement waited for the row; the
    // disposition is judged on what stands now. (The charge row itself was written right: a racing insert of the same
    // charge id wins, and this one did nothing.)
    const now = await this.get(orderId);
    if (!now) return { changed: false, order: toOrder(res.row), disposition: 'orphan' };
    const disposition = now.chargeId === charge.id ? 'payment' : now.status === 'paid' ? 'duplicate' : 'orphan';
    return { changed: false, order: now, disposition };
  }

  /** `markPaid` of one order, one statement (a batch of one, a duplicate within a batch, or a failed batch's items). */
  private async markPaidOne(i: PaidItem): Promise<PaidRow> {
    const { rows } = await this.pool.query({
      name: 'hawker-ledger-paid-one',
      text: `WITH cur AS (SELECT status, charge_id FROM orders WHERE id = $1),
       upd AS (
         UPDATE orders SET status = 'paid', charge_id = $2, paid_at = clock_timestamp(), updated_at = clock_timestamp(),
                           next_check_at = NULL
         WHERE id = $1 AND status IN ('reserved', 'pending_payment')
         RETURNING ${ORDER_COLUMNS}
       ),
       disp AS (
         SELECT CASE WHEN EXISTS (SELECT 1 FROM upd) OR (SELECT charge_id FROM cur) = $2 THEN 'payment'
                     WHEN (SELECT status FROM cur) = 'paid' THEN 'duplicate'
                     ELSE 'orphan' END AS d
       ),
       ch AS (
         INSERT INTO charges (id, gateway_key, order_id, reference, amount, currency, disposition, charged_at, source)
         SELECT $2, $3, CASE WHEN EXISTS (SELECT 1 FROM cur) THEN $1 END, $4, $5, $6, d, $7, $8 FROM disp
         ON CONFLICT DO NOTHING
       ),
       ev AS (INSERT INTO order_events (order_id, status, reason, actor) SELECT id, status, 'charge ' || $2, 'system:' || $8 FROM upd),
       -- The attempt's outcome commits with the payment it caused (it used to be a statement of its own, before this
       -- one: a round trip and a commit per paid order). A null attempt id matches nothing.
       fin AS (UPDATE payment_attempts SET finished_at = clock_timestamp(), outcome = 'succeeded', detail = left($2, 500)
               WHERE id = $9::bigint AND order_id = $1)
       SELECT ${ORDER_COLUMNS}, true AS changed, (SELECT d FROM disp) AS disposition FROM upd
       UNION ALL
       SELECT ${ORDER_COLUMNS}, false AS changed, (SELECT d FROM disp) FROM orders WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM upd)`,
      values: [
        i.orderId,
        i.charge.id,
        i.charge.idempotencyKey,
        i.charge.reference,
        i.charge.amount,
        i.charge.currency,
        new Date(i.charge.createdAt),
        i.source,
        i.attemptId,
      ],
    });
    const row = rows[0];
    if (!row) return { changed: false, row: null, disposition: 'orphan' };
    return { changed: row.changed === true, row, disposition: row.disposition };
  }

  /**
   * `markPaid` of many orders (distinct ids) in one statement: per order the same status change, charge row (with its
   * disposition judged on the order as the statement found it), history row and attempt outcome as
   * {@link markPaidOne}; ids sorted so concurrent batches lock rows in one order.
   */
  private async markPaidBatch(items: PaidItem[]): Promise<PaidRow[]> {
    const sorted = [...items].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    const col = <T>(f: (i: PaidItem) => T) => sorted.map(f);
    const { rows } = await this.pool.query({
      name: 'hawker-ledger-paid-batch',
      text: `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[],
                              $8::text[], $9::bigint[])
           AS t(in_id, in_charge, in_key, in_ref, in_amount, in_currency, in_at, in_source, in_attempt)
       ),
       cur AS (
         SELECT input.*, o.id IS NOT NULL AS cur_exists, o.status AS cur_status, o.charge_id AS cur_charge
         FROM input LEFT JOIN orders o ON o.id = in_id
       ),
       upd AS (
         UPDATE orders SET status = 'paid', charge_id = in_charge, paid_at = clock_timestamp(), updated_at = clock_timestamp(),
                           next_check_at = NULL
         FROM input WHERE id = in_id AND status IN ('reserved', 'pending_payment')
         RETURNING ${ORDER_COLUMNS}, in_source
       ),
       disp AS (
         SELECT cur.*, CASE WHEN EXISTS (SELECT 1 FROM upd WHERE upd.id = in_id) OR cur_charge = in_charge THEN 'payment'
                            WHEN cur_status = 'paid' THEN 'duplicate'
                            ELSE 'orphan' END AS d
         FROM cur
       ),
       ch AS (
         INSERT INTO charges (id, gateway_key, order_id, reference, amount, currency, disposition, charged_at, source)
         SELECT in_charge, in_key, CASE WHEN cur_exists THEN in_id END, in_ref, in_amount, in_currency, d, in_at, in_source FROM disp
         ON CONFLICT DO NOTHING
       ),
       ev AS (
         INSERT INTO order_events (order_id, status, reason, actor)
         SELECT id, status, 'charge ' || charge_id, 'system:' || in_source FROM upd
       ),
       fin AS (
         UPDATE payment_attempts SET finished_at = clock_timestamp(), outcome = 'succeeded', detail = left(in_charge, 500)
         FROM input WHERE payment_attempts.id = in_attempt AND payment_attempts.order_id = in_id
       )
       SELECT ${ORDER_COLUMNS}, true AS changed, (SELECT d FROM disp WHERE disp.in_id = upd.id) AS disposition FROM upd
       UNION ALL
       SELECT ${ORDER_COLUMNS}, false AS changed, (SELECT d FROM disp WHERE disp.in_id = orders.id) FROM orders
       WHERE id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM upd WHERE upd.id = orders.id)`,
      values: [
        col((i) => i.orderId),
        col((i) => i.charge.id),
        col((i) => i.charge.idempotencyKey),
        col((i) => i.charge.reference),
        col((i) => i.charge.amount),
        col((i) => i.charge.currency),
        col((i) => new Date(i.charge.createdAt).toISOString()),
        col((i) => i.source),
        col((i) => i.attemptId),
      ],
    });
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    return items.map((i) => {
      const row = byId.get(i.orderId);
      if (!row) return { changed: false, row: null, disposition: 'orphan' };
      return { changed: row.changed === true, row, disposition: row.disposition };
    });
  }

  /** Reserved orders older than `olderThanMs` whose payment job is not known to exist (the outbox relay's list). */
  async unqueued(olderThanMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM orders WHERE status = 'reserved' AND NOT job_queued AND created_at < clock_timestamp() - make_interval(secs => $1 / 1000.0)
       ORDER BY created_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Marks orders' payment jobs as queued (the outbox relay's mark). Only reserved orders are marked: the relay lists no
   * other, and an order whose job already began (the worker beat the mark) or that ended needs no second row version,
   * index entries and WAL for a flag nothing reads again.
   */
  async markQueued(ids: readonly string[]): Promise<void> {
    if (ids.length)
      await this.pool.query(`UPDATE orders SET job_queued = true WHERE id = ANY($1::text[]) AND status = 'reserved' AND NOT job_queued`, [
        ids,
      ]);
  }

  /** Open orders past their deadline: reserved ones to expire, paying ones whose job to re-check (at most every recheckMs). */
  async due(limit: number): Promise<{ id: string; status: OrderStatus }[]> {
    const { rows } = await this.pool.query<{ id: string; status: OrderStatus }>(
      `SELECT id, status FROM orders
       WHERE status IN ('reserved', 'pending_payment') AND deadline <= clock_timestamp()
         AND (next_check_at IS NULL OR next_check_at <= clock_timestamp())
       ORDER BY deadline LIMIT $1`,
      [limit],
    );
    return rows;
  }

  async recheckAt(id: string, inMs: number): Promise<void> {
    await this.pool.query(`UPDATE orders SET next_check_at = clock_timestamp() + make_interval(secs => $2 / 1000.0) WHERE id = $1`, [
      id,
      inMs,
    ]);
  }

  /** Orders changed at or after `sinceMs` (recovery's catch-up pass). */
  async changedSince(sinceMs: number, limit: number): Promise<LedgerOrder[]> {
    const { rows } = await this.pool.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE updated_at >= $1 ORDER BY updated_at LIMIT $2`, [
      new Date(sinceMs),
      limit,
    ]);
    return rows.map(toOrder);
  }

  /**
   * Order and money figures of a room or an agency, from the ledger (the one source of truth for money): orders
   * accepted (acknowledged to their buyer, whatever their outcome), their units, paid orders and units, and GMV per
   * currency (paid amounts, less refunds).
   */
  async moneyCounters(
    scope: { roomId: string } | { agencyId: string },
  ): Promise<{ orders: number; units: number; paidOrders: number; paidUnits: number; gmv: Record<string, number> }> {
    const [column, value] = 'roomId' in scope ? ['room_id', scope.roomId] : ['agency_id', scope.agencyId];
    const { rows } = await this.pool.query<{
      currency: string;
      orders: number;
      units: number;
      paid_orders: number;
      paid_units: number;
      gmv: number;
    }>(
      `SELECT currency, count(*)::int AS orders, coalesce(sum(quantity), 0)::int AS units,
              count(*) FILTER (WHERE status = 'paid')::int AS paid_orders,
              coalesce(sum(quantity) FILTER (WHERE status = 'paid'), 0)::int AS paid_units,
              coalesce(sum(amount - refunded_amount) FILTER (WHERE status = 'paid'), 0)::bigint AS gmv
       FROM orders WHERE ${column} = $1 AND acknowledged GROUP BY currency`,
      [value],
    );
    const out = { orders: 0, units: 0, paidOrders: 0, paidUnits: 0, gmv: {} as Record<string, number> };
    for (const r of rows) {
      out.orders += r.orders;
      out.units += r.units;
      out.paidOrders += r.paid_orders;
      out.paidUnits += r.paid_units;
      if (r.gmv > 0 || r.paid_orders > 0) out.gmv[r.currency] = Number(r.gmv);
    }
    return out;
  }

  /**
   * The agency dashboard's ledger figures: per room of `roomIds`, its orders, paid orders and units and GMV (the rooms
   * money index, one grouped query); over the agency's orders paid since `sinceMs` (every channel), the `top` products
   * by paid units and the paid figures per seller (the credited creator, or the room for a room's own products, whose
   * orders name no creator: the caller knows the rooms' creators). Refunds are deducted from GMV as in
   * {@link moneyCounters}.
   */
  async dashboardFigures(
    agencyId: string,
    roomIds: readonly string[],
    sinceMs: number,
    top: number,
  ): Promise<{
    rooms: Map<string, { orders: number; paidOrders: number; paidUnits: number; gmv: Record<string, number> }>;
    sellers: SellerRow[];
    products: TopRow[];
  }> {
    const since = new Date(sinceMs);
    const [perRoom, creators, products] = await Promise.all([
      roomIds.length
        ? this.pool.query<{ room_id: string; currency: string; orders: number; paid_orders: number; paid_units: number; gmv: string }>(
            `SELECT room_id, currency, count(*)::int AS orders, count(*) FILTER (WHERE status = 'paid')::int AS paid_orders,
                    coalesce(sum(quantity) FILTER (WHERE status = 'paid'), 0)::int AS paid_units,
                    coalesce(sum(amount - refunded_amount) FILTER (WHERE status = 'paid'), 0)::bigint AS gmv
             FROM orders WHERE room_id = ANY($1::text[]) AND acknowledged GROUP BY room_id, currency`,
            [roomIds],
          )
        : Promise.resolve({ rows: [] }),
      this.paidBySeller(agencyId, since),
      this.topPaid('product_id', agencyId, since, top),
    ]);
    const rooms = new Map<string, { orders: number; paidOrders: number; paidUnits: number; gmv: Record<string, number> }>();
    for (const r of perRoom.rows) {
      const room = rooms.get(r.room_id) ?? { orders: 0, paidOrders: 0, paidUnits: 0, gmv: {} };
      room.orders += r.orders;
      room.paidOrders += r.paid_orders;
      room.paidUnits += r.paid_units;
      if (r.paid_orders > 0) room.gmv[r.currency] = Number(r.gmv);
      rooms.set(r.room_id, room);
    }
    return { rooms, sellers: creators, products };
  }

  /** Paid figures per credited creator, or per room where no creator is credited; the SELLER_ROWS busiest. */
  private async paidBySeller(agencyId: string, since: Date): Promise<SellerRow[]> {
    const { rows } = await this.pool.query<{
      creator_id: string | null;
      room_id: string | null;
      currency: string;
      paid_orders: number;
      paid_units: number;
      gmv: string;
    }>(
      `SELECT creator_id, CASE WHEN creator_id IS NULL THEN room_id END AS room_id, currency, count(*)::int AS paid_orders,
              sum(quantity)::int AS paid_units, sum(amount - refunded_amount)::bigint AS gmv
       FROM orders WHERE agency_id = $1 AND status = 'paid' AND paid_at >= $2 AND (creator_id IS NOT NULL OR room_id IS NOT NULL)
       GROUP BY 1, 2, currency ORDER BY paid_units DESC LIMIT $3`,
      [agencyId, since, SELLER_ROWS],
    );
    return rows.map((r) => ({
      creatorId: r.creator_id,
      roomId: r.room_id,
      currency: r.currency,
      paidOrders: r.paid_orders,
      paidUnits: r.paid_units,
      gmv: Number(r.gmv),
    }));
  }

  /** The agency's `top` products by units paid since `since` (the paid-at index bounds the rows read). */
  private async topPaid(column: 'product_id', agencyId: string, since: Date, top: number): Promise<TopRow[]> {
    const { rows } = await this.pool.query<{
      id: string;
      title: string;
      currency: string;
      paid_orders: number;
      paid_units: number;
      gmv: string;
    }>(
      `SELECT ${column} AS id, max(title) AS title, currency, count(*)::int AS paid_orders, sum(quantity)::int AS paid_units,
              sum(amount - refunded_amount)::bigint AS gmv
       FROM orders WHERE agency_id = $1 AND status = 'paid' AND paid_at >= $2 AND ${column} IS NOT NULL
       GROUP BY ${column}, currency ORDER BY paid_units DESC, ${column} LIMIT $3`,
      [agencyId, since, top],
    );
    const out = new Map<string, TopRow>();
    for (const r of rows) {
      const row = out.get(r.id) ?? { id: r.id, title: r.title, paidOrders: 0, paidUnits: 0, gmv: {} };
      row.paidOrders += r.paid_orders;
      row.paidUnits += r.paid_units;
      row.gmv[r.currency] = Number(r.gmv);
      out.set(r.id, row);
    }
    return [...out.values()].sort((a, b) => b.paidUnits - a.paidUnits || a.id.localeCompare(b.id)).slice(0, top);
  }

  /**
   * A room's best sellers (issue 17's live summary): paid units and paid amount less refunds per product and currency,
   * most units first, then most money; orders the room's replay sold count too (they carry its room id).
   */
  async topProducts(
    roomId: string,
    limit: number,
  ): Promise<{ productId: string; title: string; currency: string; paidUnits: number; gmv: number }[]> {
    const { rows } = await this.pool.query<{ product_id: string; title: string; currency: string; units: number; gmv: string }>(
      `SELECT product_id, max(title) AS title, currency, sum(quantity)::int AS units,
              sum(amount - refunded_amount)::bigint AS gmv
       FROM orders WHERE room_id = $1 AND acknowledged AND status = 'paid'
       GROUP BY product_id, currency ORDER BY units DESC, gmv DESC, product_id LIMIT $2`,
      [roomId, limit],
    );
    return rows.map((r) => ({ productId: r.product_id, title: r.title, currency: r.currency, paidUnits: r.units, gmv: Number(r.gmv) }));
  }

  /** The order's history, oldest first. */
  async events(orderId: string): Promise<OrderTimelineEvent[]> {
    return (await this.eventsOf([orderId])).get(orderId) ?? [];
  }

  /** The histories of many orders (a page of a list), oldest step first, in one query. */
  async eventsOf(orderIds: readonly string[]): Promise<Map<string, OrderTimelineEvent[]>> {
    const out = new Map<string, OrderTimelineEvent[]>(orderIds.map((id) => [id, []]));
    if (!orderIds.length) return out;
    const { rows } = await this.pool.query(
      'SELECT order_id, status, reason, actor, at FROM order_events WHERE order_id = ANY($1::text[]) ORDER BY order_id, id',
      [orderIds],
    );
    for (const r of rows)
      out.get(r.order_id)?.push({
        status: r.status,
        kind: FULFILMENT_STEPS.includes(r.status) ? 'fulfilment' : 'payment',
        reason: r.reason,
        actor: r.actor,
        at: (r.at as Date).getTime(),
      });
    return out;
  }

  listByBuyer(buyerId: string, f: OrderListFilter): Promise<OrderPage> {
    return this.list('buyer_id', buyerId, f);
  }

  listByRoom(roomId: string, f: OrderListFilter): Promise<OrderPage> {
    return this.list('room_id', roomId, f);
  }

  listByAgency(agencyId: string, f: OrderListFilter): Promise<OrderPage> {
    return this.list('agency_id', agencyId, f);
  }

  /**
   * Keyset pagination on (created_at, id), newest first: correct at any size and for any number of orders created in
   * the same millisecond, and a status filter is a WHERE clause over every order (an index per owner and status).
   */
  private async list(column: 'buyer_id' | 'room_id' | 'agency_id', owner: string, f: OrderListFilter): Promise<OrderPage> {
    const where = [`${column} = $1`];
    const args: unknown[] = [owner];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (f.status) where.push(`status = ${arg(f.status)}`);
    if (f.from !== undefined) where.push(`created_at >= ${arg(new Date(f.from))}`);
    if (f.to !== undefined) where.push(`created_at < ${arg(new Date(f.to))}`);
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      where.push(`(created_at, id) < (${arg(c.createdAt)}::timestamptz, ${arg(c.id)})`);
    }
    const { rows } = await this.pool
      .query(
        `SELECT ${ORDER_COLUMNS}, created_at::text AS created_exact FROM orders WHERE ${where.join(' AND ')}
         ORDER BY created_at DESC, id DESC LIMIT ${arg(f.limit + 1)}`,
        args,
      )
      .catch((err: { code?: string }) => {
        // 22007/22008: a cursor whose time PostgreSQL cannot read (made up, or edited): the caller's mistake.
        if (f.cursor && (err.code === '22007' || err.code === '22008'))
          throw new CursorError('cursor is not one this server returned; start again without it');
        throw err;
      });
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return {
      orders: page.map(toOrder),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.created_exact as string, last.id as string) : null,
    };
  }
}

/**
 * Runs a statement again when PostgreSQL aborted it to break a deadlock (40P01) or a serialization conflict (40001):
 * the statement changed nothing then, and the retry is the same idempotent write. Bounded.
 */
async function retryOnConflictAbort<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * i));
    }
  }
}

/** Opaque cursor: the exact created_at text (microseconds kept) and id of the last order of a page. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** Throws CursorError on anything that is not a cursor this server made. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      /^[0-9][0-9 :.T+-]{9,40}$/.test(v[0]) &&
      v[1].length <= 128
    ) {
      return { createdAt: v[0], id: v[1] };
    }
  } catch {
    // reported below
  }
  throw new CursorError('cursor is not one this server returned; start again without it');
}

/** A `cursor` query parameter that this server did not make. */
export class CursorError extends Error {
  override readonly name = 'CursorError';
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

function toOrder(r: Record<string, unknown>): LedgerOrder {
  return {
    id: r.id as string,
    roomId: (r.room_id as string | null) ?? null,
    buyerId: r.buyer_id as string,
    productId: r.product_id as string,
    skuId: r.sku_id as string,
    saleId: (r.sale_id as string | null) ?? null,
    title: r.title as string,
    quantity: Number(r.quantity),
    unitPrice: Number(r.unit_price),
    amount: Number(r.amount),
    currency: r.currency as string,
    status: r.status as OrderStatus,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
    deadline: ms(r.deadline),
    chargeId: (r.charge_id as string | null) ?? null,
    failureReason: (r.failure_reason as string | null) ?? null,
    agencyId: (r.agency_id as string | null) ?? null,
    poolKind: r.pool_kind === 'sale' ? 'sale' : 'sku',
    idempotencyKey: r.idempotency_key as string,
    fingerprint: r.fingerprint as string,
    paidAt: r.paid_at ? ms(r.paid_at) : null,
    refundedAmount: Number(r.refunded_amount ?? 0),
    jobQueued: r.job_queued === true,
    channel: ((r.channel as OrderChannel | undefined) ?? 'live') as OrderChannel,
    shopId: (r.shop_id as string | null) ?? null,
    creatorId: (r.creator_id as string | null) ?? null,
    fulfilment: {
      status: ((r.fulfilment_status as FulfilmentStatus | undefined) ?? 'unfulfilled') as FulfilmentStatus,
      carrier: (r.carrier as string | null) ?? null,
      trackingNumber: (r.tracking_number as string | null) ?? null,
      shippedAt: r.shipped_at ? ms(r.shipped_at) : null,
      deliveredAt: r.delivered_at ? ms(r.delivered_at) : null,
      completedAt: r.completed_at ? ms(r.completed_at) : null,
    },
  };
}

/** A new order's fulfilment: nothing done yet. */
const UNFULFILLED: OrderFulfilment = {
  status: 'unfulfilled',
  carrier: null,
  trackingNumber: null,
  shippedAt: null,
  deliveredAt: null,
  completedAt: null,
};

function fromNew(i: NewOrder): LedgerOrder {
  return {
    id: i.id,
    roomId: i.roomId,
    buyerId: i.buyerId,
    productId: i.productId,
    skuId: i.skuId,
    saleId: i.saleId,
    title: i.title,
    quantity: i.quantity,
    unitPrice: i.unitPrice,
    amount: i.unitPrice * i.quantity,
    currency: i.currency,
    status: 'reserved',
    createdAt: i.createdAt,
    updatedAt: i.createdAt,
    deadline: i.deadline,
    chargeId: null,
    failureReason: null,
    agencyId: i.agencyId,
    poolKind: i.poolKind,
    idempotencyKey: i.idempotencyKey,
    fingerprint: i.fingerprint,
    paidAt: null,
    refundedAmount: 0,
    jobQueued: false,
    channel: i.channel ?? 'live',
    shopId: i.shopId ?? null,
    creatorId: i.creatorId ?? null,
    fulfilment: UNFULFILLED,
  };
}

/** The wire form of a ledger order (what buyers and staff see). */
export function toWire(o: LedgerOrder): Order {
  const { agencyId: _a, poolKind: _p, idempotencyKey: _k, fingerprint: _f, paidAt: _pa, refundedAmount: _r, jobQueued: _j, ...order } = o;
  // Additive (issue 16): buyers see what was refunded.
  return { ...order, refundedAmount: o.refundedAmount };
}

/** A creator or product of the agency dashboard's top lists (`title`: the product's title as ordered). */
export interface TopRow {
  id: string;
  title: string;
  paidOrders: number;
  paidUnits: number;
  gmv: Record<string, number>;
}

/** Seller groups the dashboard ranks creators from: enough for any agency's day; beyond it the tail is left out. */
const SELLER_ROWS = 1_000;

/** Paid figures of one seller in one currency: a credited creator, or (creatorId null) a room's own products. */
export interface SellerRow {
  creatorId: string | null;
  roomId: string | null;
  currency: string;
  paidOrders: number;
  paidUnits: number;
  gmv: number;
}
