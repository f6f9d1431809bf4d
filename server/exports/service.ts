import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ExportQuery, Principal } from '@hawker/protocol';
import { csvLine, csvText } from './csv.ts';
import type { MerchantScope, MerchantScopes } from './scopes.ts';
import type { ExportCursor, ExportRange, ExportStore, OrderExportRow, RefundExportRow } from './store.ts';

/** What can be exported. */
export type ExportKind = 'orders' | 'refunds';

const ORDER_HEADER = [
  'order_id',
  'created_at',
  'status',
  'channel',
  'shop_id',
  'room_id',
  'agency_id',
  'creator_id',
  'buyer_id',
  'product_id',
  'sku_id',
  'sale_id',
  'title',
  'quantity',
  'unit_price',
  'amount',
  'refunded_amount',
  'currency',
  'paid_at',
];
const REFUND_HEADER = [
  'refund_id',
  'created_at',
  'order_id',
  'charge_id',
  'status',
  'amount',
  'currency',
  'reason',
  'actor',
  'gateway_refund_id',
  'failure_reason',
  'shop_id',
  'room_id',
  'agency_id',
];

function orderLine(r: OrderExportRow): string {
  const t = csvText;
  return csvLine([
    t(r.id),
    t(r.created_at),
    t(r.status),
    t(r.channel),
    t(r.shop_id),
    t(r.room_id),
    t(r.agency_id),
    t(r.creator_id),
    t(r.buyer_id),
    t(r.product_id),
    t(r.sku_id),
    t(r.sale_id),
    t(r.title),
    r.quantity,
    r.unit_price,
    r.amount,
    r.refunded_amount,
    t(r.currency),
    t(r.paid_at),
  ]);
}

function refundLine(r: RefundExportRow): string {
  const t = csvText;
  return csvLine([
    t(r.id),
    t(r.created_at),
    t(r.order_id),
    t(r.charge_id),
    t(r.status),
    r.amount,
    t(r.currency),
    t(r.reason),
    t(r.actor),
    t(r.gateway_refund_id),
    t(r.failure_reason),
    t(r.shop_id),
    t(r.room_id),
    t(r.agency_id),
  ]);
}

/** The scope an export query names (the schema guarantees exactly one). */
export function scopeOf(q: Pick<ExportQuery, 'shopId' | 'roomId' | 'agencyId'>): MerchantScope {
  if (q.shopId) return { kind: 'shop', id: q.shopId };
  if (q.roomId) return { kind: 'room', id: q.roomId };
  return { kind: 'agency', id: q.agencyId! };
}

/**
 * CSV exports of a scope's orders and refunds, streamed: rows are read a page at a time (ExportStore's keyset pages)
 * and written as the client takes them (the response's backpressure), so an export of any length holds one page in
 * memory. Access is checked and the export audited before the first byte; a refused export writes nothing.
 */
export class ExportService {
  constructor(
    private readonly store: ExportStore,
    private readonly scopes: MerchantScopes,
  ) {}

  /** Checks access and records the export in the merchant audit trail; returns the scope and range to stream. */
  async prepare(p: Principal, kind: ExportKind, q: ExportQuery): Promise<{ scope: MerchantScope; range: ExportRange }> {
    const scope = scopeOf(q);
    await this.scopes.require(p, scope);
    await this.scopes.audit(this.scopes.db, {
      scope,
      actor: p.userId,
      action: `export.${kind}`,
      details: { from: q.from ?? null, to: q.to ?? null },
    });
    return { scope, range: { from: q.from === undefined ? null : new Date(q.from), to: q.to === undefined ? null : new Date(q.to) } };
  }

  /**
   * Writes the CSV (header, then every row, newest first) to `out`, waiting for `drain` whenever its buffer is full.
   * Stops early, without error, once `out` is closed (the client went away). Resolves with the rows written.
   */
  async stream(kind: ExportKind, scope: MerchantScope, range: ExportRange, out: Writable): Promise<number> {
    const header = kind === 'orders' ? ORDER_HEADER : REFUND_HEADER;
    let rows = 0;
    if (!(await write(out, csvLine(header)))) return rows;
    let after: ExportCursor | null = null;
    for (;;) {
      const page: (OrderExportRow | RefundExportRow)[] =
        kind === 'orders' ? await this.store.ordersPage(scope, range, after) : await this.store.refundsPage(scope, range, after);
      if (page.length === 0) return rows;
      let chunk = '';
      for (const r of page) chunk += kind === 'orders' ? orderLine(r as OrderExportRow) : refundLine(r as RefundExportRow);
      if (!(await write(out, chunk))) return rows;
      rows += page.length;
      const last = page[page.length - 1]!;
      after = { at: last.cursor_at, id: last.id };
    }
  }
}

/** Writes `chunk`, waiting for the buffer to drain if it is full; false once `out` is closed. */
async function write(out: Writable, chunk: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(chunk)) return true;
  const closed = once(out, 'close').then(() => false);
  const drained = once(out, 'drain').then(() => true);
  return Promise.race([drained, closed]);
}
