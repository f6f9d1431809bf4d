import type pg from 'pg';
import type { WebhookDelivery, WebhookEndpoint, WebhookEventType, WebhookLiveData } from '@hawker/protocol';
import { decodeCursor, encodeCursor } from '../ledger/orders.ts';
import { inTransaction } from '../ledger/tx.ts';
import type { Db } from '../exports/scopes.ts';

/** An endpoint with what only the server sees: its signing secret. */
export interface EndpointRow extends WebhookEndpoint {
  secret: string;
}

/** A delivery with what the worker sends: the exact body. */
export interface DeliveryRow extends WebhookDelivery {
  body: string;
}

/**
 * An outbox event claimed by the dispatcher: about an order (`orderId`, the payload read from the ledger at dispatch),
 * or a live (`live`, its payload as recorded, for the listed shops and the agency).
 */
export type OutboxEvent = {
  id: string;
  eventId: string;
  type: WebhookEventType;
  createdAt: Date;
} & ({ orderId: string; live?: undefined } | { orderId?: undefined; live: WebhookLiveData; shopIds: string[]; agencyId: string | null });

const ENDPOINT_COLUMNS = `id, scope, scope_id, url, events, description, status, disabled_at, disabled_reason, consecutive_failures,
  created_at, updated_at, secret`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id, type, status, attempts, last_status_code, last_latency_ms, last_error,
  redelivery_of, created_at, finished_at, body, created_at::text AS cursor_at`;

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : ms(v));

function toEndpoint(r: Record<string, unknown>): EndpointRow {
  return {
    id: r.id as string,
    scope: r.scope as 'shop' | 'agency',
    scopeId: r.scope_id as string,
    url: r.url as string,
    events: r.events as WebhookEventType[],
    description: (r.description as string | null) ?? null,
    status: r.status as 'active' | 'disabled',
    disabledAt: msOrNull(r.disabled_at),
    disabledReason: (r.disabled_reason as string | null) ?? null,
    consecutiveFailures: r.consecutive_failures as number,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
    secret: r.secret as string,
  };
}

function toDelivery(r: Record<string, unknown>): DeliveryRow {
  return {
    id: r.id as string,
    endpointId: r.endpoint_id as string,
    eventId: r.event_id as string,
    type: r.type as WebhookEventType,
    status: r.status as 'pending' | 'succeeded' | 'failed',
    attempts: r.attempts as number,
    lastStatusCode: (r.last_status_code as number | null) ?? null,
    lastLatencyMs: (r.last_latency_ms as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    redeliveryOf: (r.redelivery_of as string | null) ?? null,
    createdAt: ms(r.created_at),
    finishedAt: msOrNull(r.finished_at),
    body: r.body as string,
  };
}

/** The public view of an endpoint (no secret). */
export function endpointView({ secret: _secret, ...e }: EndpointRow): WebhookEndpoint {
  return e;
}

/** The public view of a delivery (no body). */
export function deliveryView({ body: _body, ...d }: DeliveryRow): WebhookDelivery {
  return d;
}

/**
 * Webhook endpoints, the outbox, deliveries and their attempts in PostgreSQL (migration 0006). Every statement is
 * parameterised; the service and the worker decide, inside the transactions this store runs.
 */
export class WebhookStore {
  constructor(readonly db: pg.Pool) {}

  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.db, fn);
  }

  // Endpoints -----------------------------------------------------------------------------------------------------

  /** Serialises endpoint creation per shop or agency (the per-owner quota), until the transaction ends. */
  async lockScope(c: Db, scope: string, scopeId: string): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('webhook-scope:' || $1 || ':' || $2, 0))`, [scope, scopeId]);
  }

  async countEndpoints(c: Db, scope: string, scopeId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_endpoints WHERE scope = $1 AND scope_id = $2', [
      scope,
      scopeId,
    ]);
    return rows[0]!.n;
  }

  async insertEndpoint(
    c: Db,
    e: {
      id: string;
      scope: string;
      scopeId: string;
      url: string;
      events: string[];
      description: string | null;
      secret: string;
      createdBy: string;
    },
  ): Promise<EndpointRow> {
    const { rows } = await c.query(
      `INSERT INTO webhook_endpoints (id, scope, scope_id, url, events, description, secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${ENDPOINT_COLUMNS}`,
      [e.id, e.scope, e.scopeId, e.url, e.events, e.description, e.secret, e.createdBy],
    );
    return toEndpoint(rows[0]);
  }

  async endpoint(c: Db, id: string, lock = false): Promise<EndpointRow | null> {
    const { rows } = await c.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async endpointsOf(c: Db, scope: string, scopeId: string): Promise<EndpointRow[]> {
    const { rows } = await c.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE scope = $1 AND scope_id = $2 ORDER BY created_at, id`,
      [scope, scopeId],
    );
    return rows.map(toEndpoint);
  }

  async updateEndpoint(
    c: Db,
    id: string,
    f: { url: string; events: string[]; description: string | null; enable: boolean },
  ): Promise<EndpointRow> {
    const { rows } = await c.query(
      `UPDATE webhook_endpoints SET url = $2, events = $3, description = $4, updated_at = clock_timestamp(),
              status = CASE WHEN $5 THEN 'active' ELSE status END,
              disabled_at = CASE WHEN $5 THEN NULL ELSE disabled_at END,
              disabled_reason = CASE WHEN $5 THEN NULL ELSE disabled_reason END,
              consecutive_failures = CASE WHEN $5 THEN 0 ELSE consecutive_failures END,
              failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END
        WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, f.url, f.events, f.description, f.enable],
    );
    return toEndpoint(rows[0]);
  }

  async setSecret(c: Db, id: string, secret: string): Promise<EndpointRow> {
    const { rows } = await c.query(
      `UPDATE webhook_endpoints SET secret = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, secret],
    );
    return toEndpoint(rows[0]);
  }

  async deleteEndpoint(c: Db, id: string): Promise<void> {
    await c.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
  }

  /**
   * Counts a delivery that failed for good against its endpoint, and disables the endpoint once `threshold`
   * consecutive deliveries failed and the first of them is at least `minAgeMs` old. Returns the endpoint when this
   * call disabled it (the caller audits that), else null.
   */
  async recordFailure(c: Db, endpointId: string, threshold: number, minAgeMs: number): Promise<EndpointRow | null> {
    const { rows } = await c.query(
      `UPDATE webhook_endpoints
          SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, clock_timestamp())
        WHERE id = $1 RETURNING consecutive_failures, failing_since, status, clock_timestamp() - failing_since AS age`,
      [endpointId],
    );
    const r = rows[0] as { consecutive_failures: number; status: string } | undefined;
    if (r?.status !== 'active' || r.consecutive_failures < threshold) return null;
    const reason = `${r.consecutive_failures} consecutive deliveries failed (WEBHOOK_DISABLE_AFTER_FAILURES=${threshold})`;
    const disabled = await c.query(
      `UPDATE webhook_endpoints SET status = 'disabled', disabled_at = clock_timestamp(), disabled_reason = $2, updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'active' AND failing_since <= clock_timestamp() - make_interval(secs => $3::double precision / 1000)
        RETURNING ${ENDPOINT_COLUMNS}`,
      [endpointId, reason, minAgeMs],
    );
    return disabled.rows[0] ? toEndpoint(disabled.rows[0]) : null;
  }

  async recordSuccess(c: Db, endpointId: string): Promise<void> {
    await c.query(
      `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL
        WHERE id = $1 AND (consecutive_failures <> 0 OR failing_since IS NOT NULL)`,
      [endpointId],
    );
  }

  // Outbox and deliveries -------------------------------------------------------------------------------------------

  /** Claims up to `limit` undispatched events (locked until the transaction ends; other dispatchers skip them). */
  async claimOutbox(c: Db, limit: number): Promise<OutboxEvent[]> {
    const { rows } = await c.query(
      `SELECT id::text, event_id, type, order_id, created_at, data, shop_ids, agency_id FROM webhook_outbox
        WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => {
      const base = { id: r.id, eventId: r.event_id, type: r.type, createdAt: r.created_at };
      return r.order_id !== null
        ? { ...base, orderId: r.order_id as string }
        : { ...base, live: r.data as WebhookLiveData, shopIds: r.shop_ids as string[], agencyId: r.agency_id as string | null };
    });
  }

  /**
   * Records a live event in the outbox for the shops and the agency it concerns; once per `eventId` (a repeated
   * announcement of the same live is a no-op). Returns false when it was already recorded.
   */
  async recordLiveEvent(e: { eventId: string; type: 'live.scheduled' | 'live.started'; live: WebhookLiveData }): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO webhook_outbox (event_id, type, data, shop_ids, agency_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (event_id) DO NOTHING`,
      [e.eventId, e.type, JSON.stringify(e.live), e.live.shopIds, e.live.agencyId],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async markDispatched(c: Db, ids: string[]): Promise<void> {
    await c.query('UPDATE webhook_outbox SET dispatched_at = clock_timestamp() WHERE id = ANY($1::bigint[])', [ids]);
  }

  /**
   * The orders as the ledger has them, with their lines and the shop and agency each belongs to, in one statement (the
   * dispatcher's claimed batch): order id -> snapshot; an id with no order is absent.
   */
  async orderSnapshots(c: Db, orderIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    if (orderIds.length === 0) return out;
    const { rows } = await c.query(
      `SELECT o.id, o.status, o.channel, o.shop_id, o.room_id, o.agency_id, o.creator_id, o.buyer_id, o.currency,
              o.quantity, o.unit_price::float8 AS unit_price, o.amount::float8 AS amount,
              o.refunded_amount::float8 AS refunded_amount, o.created_at, o.paid_at,
              o.fulfilment_status, o.carrier, o.tracking_number, o.shipped_at, o.delivered_at, o.completed_at,
              coalesce((SELECT json_agg(json_build_object('lineNo', l.line_no, 'productId', l.product_id, 'skuId', l.sku_id,
                         'skuCode', l.sku_code, 'title', l.title, 'options', l.options, 'quantity', l.quantity,
                         'unitPrice', l.unit_price, 'amount', l.amount) ORDER BY l.line_no)
                          FROM order_lines l WHERE l.order_id = o.id), '[]') AS lines
         FROM orders o WHERE o.id = ANY($1::text[])`,
      [orderIds],
    );
    for (const o of rows) out.set(o.id, snapshotOf(o));
    return out;
  }

  /** Active endpoints subscribed to `type` of the order's shop or agency. */
  async subscribers(c: Db, type: string, shopIds: readonly string[], agencyId: string | null): Promise<EndpointRow[]> {
    const { rows } = await c.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
        WHERE status = 'active' AND $1 = ANY(events)
          AND ((scope = 'shop' AND scope_id = ANY($2::text[])) OR (scope = 'agency' AND scope_id = $3))`,
      [type, shopIds, agencyId],
    );
    return rows.map(toEndpoint);
  }

  /** Inserts a delivery; null when the event was already fanned out to this endpoint (a retried dispatch). */
  async insertDelivery(
    c: Db,
    d: { id: string; endpointId: string; eventId: string; type: string; body: string; redeliveryOf: string | null },
  ): Promise<string | null> {
    const { rows } = await c.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, type, body, redelivery_of) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (endpoint_id, event_id) WHERE redelivery_of IS NULL DO NOTHING RETURNING id`,
      [d.id, d.endpointId, d.eventId, d.type, d.body, d.redeliveryOf],
    );
    return rows[0]?.id ?? null;
  }

  async markQueued(ids: string[]): Promise<void> {
    await this.db.query('UPDATE webhook_deliveries SET queued = true WHERE id = ANY($1::text[])', [ids]);
  }

  /** Pending deliveries whose job is not known to exist, older than `graceMs` (their dispatcher may still queue them). */
  async unqueued(graceMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.query(
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND NOT queued
          AND created_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT $2`,
      [graceMs, limit],
    );
    return rows.map((r) => r.id as string);
  }

  /** Pending deliveries whose job exists but that no attempt touched for `staleMs` (their job may be lost or failed). */
  async stale(staleMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.query(
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND queued
          AND updated_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY updated_at LIMIT $2`,
      [staleMs, limit],
    );
    return rows.map((r) => r.id as string);
  }

  /** Notes that a stale delivery was looked at (so the next sweep does not look again at once). */
  async touch(ids: string[]): Promise<void> {
    await this.db.query('UPDATE webhook_deliveries SET updated_at = clock_timestamp() WHERE id = ANY($1::text[])', [ids]);
  }

  async delivery(c: Db, id: string, lock = false): Promise<DeliveryRow | null> {
    const { rows } = await c.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /** Locks a delivery row until the transaction ends (serialises redeliveries of it). */
  async lockDelivery(c: Db, id: string): Promise<void> {
    await c.query('SELECT 1 FROM webhook_deliveries WHERE id = $1 FOR UPDATE', [id]);
  }

  async countRedeliveries(c: Db, id: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE redelivery_of = $1', [id]);
    return rows[0]!.n;
  }

  /** An endpoint's deliveries, newest first, by keyset on (created_at, id). */
  async deliveriesOf(
    endpointId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<{ rows: DeliveryRow[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor) : null;
    const { rows } = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
        WHERE endpoint_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [endpointId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { rows: page.map(toDelivery), nextCursor: rows.length > limit && last ? encodeCursor(last.cursor_at, last.id) : null };
  }

  /** Records one HTTP attempt and the delivery's state after it. */
  async recordAttempt(
    c: Db,
    deliveryId: string,
    a: { attempt: number; statusCode: number | null; latencyMs: number; error: string | null; final: 'succeeded' | 'failed' | null },
  ): Promise<void> {
    await c.query(
      `INSERT INTO webhook_attempts (delivery_id, attempt, status_code, latency_ms, error) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (delivery_id, attempt) DO NOTHING`,
      [deliveryId, a.attempt, a.statusCode, a.latencyMs, a.error],
    );
    await c.query(
      `UPDATE webhook_deliveries SET attempts = GREATEST(attempts, $2), last_status_code = $3, last_latency_ms = $4, last_error = $5,
              status = coalesce($6, status), finished_at = CASE WHEN $6 IS NULL THEN NULL ELSE clock_timestamp() END,
              updated_at = clock_timestamp()
        WHERE id = $1`,
      [deliveryId, a.attempt, a.statusCode, a.latencyMs, a.error, a.final],
    );
  }

  /** Ends a delivery without sending it (its endpoint was disabled or deleted meanwhile). */
  async abandon(c: Db, deliveryId: string, why: string): Promise<void> {
    await c.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $2, finished_at = clock_timestamp(), updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'pending'`,
      [deliveryId, why],
    );
  }
}

/** An order row of orderSnapshots as the webhook payload's `order`. */
function snapshotOf(o: Record<string, unknown>): Record<string, unknown> {
  return {
    id: o.id,
    status: o.status,
    channel: o.channel,
    shopId: o.shop_id,
    roomId: o.room_id,
    agencyId: o.agency_id,
    creatorId: o.creator_id,
    buyerId: o.buyer_id,
    currency: o.currency,
    quantity: o.quantity,
    unitPrice: o.unit_price,
    amount: o.amount,
    refundedAmount: o.refunded_amount,
    createdAt: ms(o.created_at),
    paidAt: msOrNull(o.paid_at),
    lines: o.lines,
    // Additive (issue 16, fulfilment): what order.shipped and order.delivered announce.
    fulfilment: {
      status: o.fulfilment_status,
      carrier: o.carrier,
      trackingNumber: o.tracking_number,
      shippedAt: msOrNull(o.shipped_at),
      deliveredAt: msOrNull(o.delivered_at),
      completedAt: msOrNull(o.completed_at),
    },
  };
}
