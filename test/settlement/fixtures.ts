/**
 * Orders straight into the ledger (the order-placement side of issue 15 is built in parallel): an order with lines that
 * carry their seller and commission as placement fixes them, paid through the real code path (LedgerOrders.markPaid),
 * and refunds written the way server/payments/reconcile.ts writes them (requested, then succeeded).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { LedgerOrders } from '../../server/ledger/index.ts';
import { commissionAmount } from '../../server/selection/terms.ts';

export interface LineSpec {
  unitPrice: number;
  quantity: number;
  rateBps: number | null;
  productId?: string;
  title?: string;
}

export interface OrderSpec {
  shopId: string;
  creatorId: string | null;
  agencyId?: string | null;
  currency?: string;
  channel?: 'live' | 'storefront' | 'search' | 'replay' | 'clip';
  lines: LineSpec[];
}

const rid = (p: string) => `${p}${randomBytes(6).toString('hex')}`;

/** Inserts a reserved order and its lines (commission fixed per line); returns its id and amount. */
export async function insertOrder(db: pg.Pool, o: OrderSpec): Promise<{ id: string; amount: number }> {
  const id = rid('o');
  const amount = o.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  const first = o.lines[0]!;
  const channel = o.channel ?? 'storefront';
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, channel, pool_kind, product_id, sku_id, title,
                           quantity, unit_price, amount, currency, status, created_at, updated_at, deadline, shop_id, creator_id)
       VALUES ($1, 'buyer1', $1, 'fp', $2, $3, $4, 'sku', $5, 'sku1', 'Order', $6, $7, $8, $9, 'reserved', now(), now(), now() + interval '1 hour', $10, $11)`,
      [
        id,
        channel === 'live' ? 'room1' : null,
        o.agencyId ?? null,
        channel,
        first.productId ?? 'prod1',
        1,
        amount,
        amount,
        o.currency ?? 'CNY',
        o.shopId,
        o.creatorId,
      ],
    );
    let no = 0;
    for (const l of o.lines) {
      no++;
      const lineAmount = l.unitPrice * l.quantity;
      await c.query(
        `INSERT INTO order_lines (order_id, line_no, product_id, sku_id, title, quantity, unit_price, amount, shop_id, creator_id, agency_id,
                                  commission_rate_bps, commission_amount)
         VALUES ($1, $2, $3, 'sku1', $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          id,
          no,
          l.productId ?? 'prod1',
          l.title ?? `Line ${no}`,
          l.quantity,
          l.unitPrice,
          lineAmount,
          o.shopId,
          o.creatorId,
          o.agencyId ?? null,
          l.rateBps,
          commissionAmount(lineAmount, l.rateBps),
        ],
      );
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
  return { id, amount };
}

/** Pays the order through the ledger's real path (what the payment worker and the webhook call); returns the charge id. */
export async function pay(db: pg.Pool, orderId: string, amount: number, currency = 'CNY'): Promise<string> {
  const chargeId = rid('ch');
  const r = await new LedgerOrders(db).markPaid(
    orderId,
    { id: chargeId, idempotencyKey: orderId, reference: orderId, amount, currency, createdAt: Date.now() },
    'worker',
  );
  if (!r?.changed) throw new Error(`order ${orderId} was not paid: ${JSON.stringify(r)}`);
  return chargeId;
}

/** A refund of `amount` of the charge, requested then succeeded (as reconciliation writes them); returns its id. */
export async function refund(db: pg.Pool, orderId: string, chargeId: string, amount: number): Promise<string> {
  const id = rid('rf');
  await db.query(
    `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, amount, currency, reason, status, actor)
     VALUES ($1, $1, $2, $3, $4, 'CNY', 'test', 'requested', 'test')`,
    [id, chargeId, orderId, amount],
  );
  await db.query(
    `WITH r AS (UPDATE refunds SET status = 'succeeded', gateway_refund_id = $1, updated_at = clock_timestamp() WHERE id = $1)
     UPDATE charges SET refunded_amount = LEAST(amount, refunded_amount + $2) WHERE id = $3`,
    [id, amount, chargeId],
  );
  return id;
}

/** The commission entries of an order: earned and reversed totals per line. */
export async function entries(
  db: pg.Pool,
  orderId: string,
): Promise<{ line_no: number; kind: string; amount: number; refund_id: string | null }[]> {
  const { rows } = await db.query(`SELECT line_no, kind, amount, refund_id FROM commission_entries WHERE order_id = $1 ORDER BY id`, [
    orderId,
  ]);
  return rows;
}
