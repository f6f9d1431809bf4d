import type pg from 'pg';
import type { MerchantScope } from './scopes.ts';

/** Rows per page: small enough that a page's memory is a few hundred KiB, large enough that a 100,000-row export is 100 queries. */
export const EXPORT_PAGE_ROWS = 1_000;

/** Where an export continues: the last row's exact creation time (PostgreSQL's text, microseconds kept) and id. */
export interface ExportCursor {
  at: string;
  id: string;
}

const SCOPE_COLUMN = { shop: 'shop_id', room: 'room_id', agency: 'agency_id' } as const;
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export interface OrderExportRow {
  cursor_at: string;
  id: string;
  created_at: string;
  status: string;
  channel: string;
  shop_id: string | null;
  room_id: string | null;
  agency_id: string | null;
  creator_id: string | null;
  buyer_id: string;
  product_id: string;
  sku_id: string;
  sale_id: string | null;
  title: string;
  quantity: number;
  unit_price: string;
  amount: string;
  refunded_amount: string;
  currency: string;
  paid_at: string | null;
}

export interface RefundExportRow {
  cursor_at: string;
  id: string;
  created_at: string;
  order_id: string;
  charge_id: string;
  status: string;
  amount: string;
  currency: string;
  reason: string;
  actor: string;
  gateway_refund_id: string | null;
  failure_reason: string | null;
  shop_id: string | null;
  room_id: string | null;
  agency_id: string | null;
}

/** The time range of an export, as SQL parameters (null: open). */
export interface ExportRange {
  from: Date | null;
  to: Date | null;
}

/**
 * Pages of a scope's orders and refunds for the CSV exports, newest first, by keyset on (created_at, id): each page
 * is one indexed range scan (orders_shop_created, orders_room_created, orders_agency_created), however deep the
 * export is, and nothing is held open between pages (no cursor, no long transaction). Rows acknowledged to nobody (the
 * supervisor's tombstones) are left out.
 */
export class ExportStore {
  constructor(private readonly db: pg.Pool) {}

  async ordersPage(scope: MerchantScope, range: ExportRange, after: ExportCursor | null): Promise<OrderExportRow[]> {
    const col = SCOPE_COLUMN[scope.kind];
    const { rows } = await this.db.query<OrderExportRow>(
      `SELECT created_at::text AS cursor_at, id, to_char(created_at AT TIME ZONE 'UTC', ${ISO}) AS created_at, status, channel,
              shop_id, room_id, agency_id, creator_id, buyer_id, product_id, sku_id, sale_id, title, quantity,
              unit_price::text, amount::text, refunded_amount::text, currency,
              to_char(paid_at AT TIME ZONE 'UTC', ${ISO}) AS paid_at
         FROM orders
        WHERE ${col} = $1 AND acknowledged
          AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
          AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
        ORDER BY created_at DESC, id DESC
        LIMIT ${EXPORT_PAGE_ROWS}`,
      [scope.id, range.from, range.to, after?.at ?? null, after?.id ?? null],
    );
    return rows;
  }

  async refundsPage(scope: MerchantScope, range: ExportRange, after: ExportCursor | null): Promise<RefundExportRow[]> {
    const col = SCOPE_COLUMN[scope.kind];
    const { rows } = await this.db.query<RefundExportRow>(
      `SELECT r.created_at::text AS cursor_at, r.id, to_char(r.created_at AT TIME ZONE 'UTC', ${ISO}) AS created_at, r.order_id,
              r.charge_id, r.status, r.amount::text, r.currency, r.reason, r.actor, r.gateway_refund_id, r.failure_reason,
              o.shop_id, o.room_id, o.agency_id
         FROM refunds r JOIN orders o ON o.id = r.order_id
        WHERE o.${col} = $1
          AND ($2::timestamptz IS NULL OR r.created_at >= $2) AND ($3::timestamptz IS NULL OR r.created_at < $3)
          AND ($4::timestamptz IS NULL OR (r.created_at, r.id) < ($4::timestamptz, $5::text))
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT ${EXPORT_PAGE_ROWS}`,
      [scope.id, range.from, range.to, after?.at ?? null, after?.id ?? null],
    );
    return rows;
  }
}
