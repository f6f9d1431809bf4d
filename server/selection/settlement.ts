import type pg from 'pg';
import type { Response } from 'express';
import {
  SETTLEMENT_MAX_DAYS,
  type Principal,
  type Settlement,
  type SettlementLine,
  type SettlementParty,
  type SettlementTotals,
} from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { decodeCursor, encodeCursor } from '../ledger/orders.ts';
import type { ShopStore } from '../shops/store.ts';
import { cursorErrors } from './service.ts';

/** A row as pg returns it; each mapper reads its own columns. */
// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped
type Row = Record<string, any>;

const DAY_MS = 86_400_000;
/** Lines read per query while writing a CSV statement. */
const CSV_BATCH = 1_000;

/** The order_lines column that names the party. */
const PARTY_COLUMN: Record<SettlementParty, string> = { merchant: 'l.shop_id', creator: 'l.creator_id', agency: 'l.agency_id' };

/**
 * The statement's lines: every line of a paid order whose payment falls in [from, to) and that names the party, with
 * what stood at `to`: the line's share of its order's succeeded refunds (order_refunded_total, spread over the order's
 * lines by amount so the shares add up to the order's refunds exactly: floor(through * R / A) - floor(before * R / A)),
 * the commission it earned and what refunds took back (commission_entries). $1 party id, $2 from, $3 to.
 */
const LINES = (column: string) => `
  SELECT l.order_id, l.line_no, o.paid_at, o.paid_at::text AS paid_exact, o.channel, o.room_id, l.shop_id, l.creator_id,
         l.agency_id, l.product_id, l.sku_id, l.title, l.quantity, o.currency, l.amount, l.commission_rate_bps,
         CASE WHEN o.amount = 0 THEN 0
              ELSE ((b.before + l.amount) * r.total) / o.amount - (b.before * r.total) / o.amount END AS refunded,
         (SELECT coalesce(sum(e.amount), 0) FROM commission_entries e
          WHERE e.order_id = l.order_id AND e.line_no = l.line_no AND e.kind = 'earned') AS earned,
         (SELECT coalesce(sum(e.amount), 0) FROM commission_entries e
          WHERE e.order_id = l.order_id AND e.line_no = l.line_no AND e.kind = 'reversed' AND e.at < $3) AS reversed
  FROM order_lines l
  JOIN orders o ON o.id = l.order_id
  CROSS JOIN LATERAL (SELECT coalesce(sum(x.amount), 0) AS before FROM order_lines x
                      WHERE x.order_id = l.order_id AND x.line_no < l.line_no) b
  CROSS JOIN LATERAL (SELECT order_refunded_total(o.id, $3) AS total) r
  WHERE ${column} = $1 AND o.status = 'paid' AND o.paid_at >= $2 AND o.paid_at < $3`;

/**
 * Settlement statements per shop (merchant), creator and agency for a period, in JSON (paged, totals over the period)
 * or CSV (every line, then one total row per currency), computed from the ledger alone (orders, order_lines, refunds,
 * commission_entries), so they add up to it to the minor unit.
 */
export class SettlementService {
  constructor(
    private readonly db: pg.Pool,
    private readonly shops: ShopStore,
  ) {}

  /** Who may read whose statement (policy.canReviewSelection, canReadSettlement), and a valid period; throws otherwise. */
  async authorize(p: Principal, party: SettlementParty, id: string, from: number, to: number): Promise<void> {
    if (party === 'merchant') {
      const shop = await this.shops.shop(this.db, id);
      if (!shop) throw AppError.notFound(`Shop ${id}`);
      const staff = await this.shops.staff(this.db, id);
      policy.require(policy.canReviewSelection(p, { ...shop, staff }), "Only the shop's owner, staff and admins read its statements");
    } else {
      policy.require(
        policy.canReadSettlement(p, party === 'creator' ? { creatorId: id } : { agencyId: id }),
        party === 'creator' ? 'A creator reads only their own statements' : "Only the agency's owner and admins read its statements",
      );
    }
    if (!(from < to)) throw AppError.badRequest(`The period must start before it ends (from ${from} < to ${to})`);
    if (to - from > SETTLEMENT_MAX_DAYS * DAY_MS) {
      throw AppError.badRequest(`A statement covers at most ${SETTLEMENT_MAX_DAYS} days; ask for a shorter period`, {
        limit: 'SETTLEMENT_MAX_DAYS',
        max: SETTLEMENT_MAX_DAYS,
      });
    }
  }

  async statement(
    p: Principal,
    party: SettlementParty,
    id: string,
    q: { from: number; to: number; limit: number; cursor?: string },
  ): Promise<Settlement> {
    await this.authorize(p, party, id, q.from, q.to);
    const { rows, nextCursor } = await cursorErrors(() => this.page(party, id, q.from, q.to, q.limit, q.cursor));
    return { party, id, from: q.from, to: q.to, lines: rows.map(toLine), totals: await this.totals(party, id, q.from, q.to), nextCursor };
  }

  /** Writes the CSV statement to `res` (RFC 4180, UTF-8 with a BOM so spreadsheets read it as UTF-8). */
  async csv(p: Principal, party: SettlementParty, id: string, q: { from: number; to: number }, res: Response): Promise<void> {
    await this.authorize(p, party, id, q.from, q.to);
    const totals = await this.totals(party, id, q.from, q.to);
    const name = `settlement-${party}-${id}-${new Date(q.from).toISOString().slice(0, 10)}-${new Date(q.to).toISOString().slice(0, 10)}.csv`;
    res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.write(`\ufeff${CSV_HEADER.join(',')}\r\n`);
    let cursor: string | undefined;
    do {
      const page = await this.page(party, id, q.from, q.to, CSV_BATCH, cursor);
      if (page.rows.length) res.write(page.rows.map((r) => csvRow(lineRow(toLine(r)))).join(''));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    res.end(totals.map((t) => csvRow(totalRow(t))).join(''));
  }

  private async page(
    party: SettlementParty,
    id: string,
    from: number,
    to: number,
    limit: number,
    cursor?: string,
  ): Promise<{ rows: Row[]; nextCursor: string | null }> {
    const args: unknown[] = [id, new Date(from), new Date(to), limit + 1];
    let after = '';
    if (cursor) {
      const k = decodeCursor(cursor);
      const cut = k.id.lastIndexOf(':');
      const lineNo = Number(k.id.slice(cut + 1));
      if (cut < 1 || !Number.isInteger(lineNo)) throw AppError.badRequest('cursor is not one this server returned; start again without it');
      args.push(k.createdAt, k.id.slice(0, cut), lineNo);
      after = 'WHERE (paid_at, order_id, line_no) > ($5::timestamptz, $6, $7)';
    }
    const { rows } = await this.db.query(
      `SELECT * FROM (${LINES(PARTY_COLUMN[party])}) s ${after} ORDER BY paid_at, order_id, line_no LIMIT $4`,
      args,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      rows: page,
      nextCursor: rows.length > limit && last ? encodeCursor(last.paid_exact, `${last.order_id}:${last.line_no}`) : null,
    };
  }

  private async totals(party: SettlementParty, id: string, from: number, to: number): Promise<SettlementTotals[]> {
    const { rows } = await this.db.query(
      `SELECT currency, count(*)::int AS lines, coalesce(sum(quantity), 0)::bigint AS quantity, coalesce(sum(amount), 0)::bigint AS amount,
              coalesce(sum(refunded), 0)::bigint AS refunded, coalesce(sum(earned), 0)::bigint AS earned,
              coalesce(sum(reversed), 0)::bigint AS reversed
       FROM (${LINES(PARTY_COLUMN[party])}) s GROUP BY currency ORDER BY currency`,
      [id, new Date(from), new Date(to)],
    );
    return rows.map((r) => {
      const net = Number(r.earned) - Number(r.reversed);
      return {
        currency: r.currency,
        lines: r.lines,
        quantity: Number(r.quantity),
        amount: Number(r.amount),
        refunded: Number(r.refunded),
        commissionEarned: Number(r.earned),
        commissionReversed: Number(r.reversed),
        netCommission: net,
        netToMerchant: Number(r.amount) - Number(r.refunded) - net,
      };
    });
  }
}

function toLine(r: Row): SettlementLine {
  const amount = Number(r.amount);
  const refunded = Number(r.refunded);
  const earned = Number(r.earned);
  const reversed = Number(r.reversed);
  return {
    orderId: r.order_id,
    lineNo: Number(r.line_no),
    paidAt: (r.paid_at as Date).getTime(),
    channel: r.channel,
    roomId: r.room_id ?? null,
    shopId: r.shop_id ?? null,
    creatorId: r.creator_id ?? null,
    agencyId: r.agency_id ?? null,
    productId: r.product_id,
    skuId: r.sku_id,
    title: r.title,
    quantity: Number(r.quantity),
    currency: r.currency,
    amount,
    refunded,
    commissionRateBps: r.commission_rate_bps ?? null,
    commissionEarned: earned,
    commissionReversed: reversed,
    netCommission: earned - reversed,
    netToMerchant: amount - refunded - (earned - reversed),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// CSV

/** Money columns come twice: integer minor units (`_minor`) and the decimal amount in the currency's own digits. */
const MONEY = ['amount', 'refunded', 'commission_earned', 'commission_reversed', 'net_commission', 'net_to_merchant'] as const;

/** The CSV statement's columns. `row_type` is `line`, or `total` for the one total row per currency at the end. */
export const CSV_HEADER = [
  'row_type',
  'order_id',
  'line_no',
  'paid_at',
  'channel',
  'room_id',
  'shop_id',
  'creator_id',
  'agency_id',
  'product_id',
  'sku_id',
  'title',
  'quantity',
  'currency',
  'commission_rate_bps',
  ...MONEY.flatMap((m) => [`${m}_minor`, m]),
];

type Cell = string | number | null;

function money(values: readonly number[], currency: string): Cell[] {
  return values.flatMap((v) => [v, decimal(v, currency)]);
}

function lineRow(l: SettlementLine): Cell[] {
  return [
    'line',
    l.orderId,
    l.lineNo,
    new Date(l.paidAt).toISOString(),
    l.channel,
    l.roomId,
    l.shopId,
    l.creatorId,
    l.agencyId,
    l.productId,
    l.skuId,
    l.title,
    l.quantity,
    l.currency,
    l.commissionRateBps,
    ...money([l.amount, l.refunded, l.commissionEarned, l.commissionReversed, l.netCommission, l.netToMerchant], l.currency),
  ];
}

function totalRow(t: SettlementTotals): Cell[] {
  return [
    'total',
    null,
    t.lines,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    t.quantity,
    t.currency,
    null,
    ...money([t.amount, t.refunded, t.commissionEarned, t.commissionReversed, t.netCommission, t.netToMerchant], t.currency),
  ];
}

/** One RFC 4180 record: fields with a comma, quote or line break are quoted, quotes doubled; CRLF ends it. */
export function csvRow(cells: readonly Cell[]): string {
  return `${cells
    .map((c) => {
      let s = c === null ? '' : String(c);
      // Text a spreadsheet would run as a formula (=, +, -, @ first; titles are user text) is prefixed with '. Numbers are not.
      if (typeof c === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?[0-9]+(\.[0-9]+)?$/.test(s)) s = `'${s}`;
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',')}\r\n`;
}

const digitsCache = new Map<string, number>();

/** The currency's minor-unit digits (ISO 4217, from the runtime's ICU data: 2 for CNY and USD, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/** Minor units as a decimal string in the currency's digits, exactly (integer arithmetic, no floating point). */
export function decimal(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor));
  if (digits === 0) return sign + abs;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}
