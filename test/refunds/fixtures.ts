/** What the refund tests share: a merchant's shop with a product on a commerce bench, paid orders, ledger reads. */
import type { Order, OrderRefunds, PlaceOrderResult, RefundResult, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startCommerce, waitFinal } from '../../harness/commerce.ts';
import type { TestNode } from '../../harness/node.ts';
import type { Teardown } from '../../harness/teardown.ts';
import type { SandboxSettings } from '../../server/payments/sandbox/config.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Unit price of the bench's product. */
export const PRICE = 2_500;

/**
 * A commerce bench (sandbox gateway, node with a fast refund retry pass) with merchant m1's shop (staff st1) selling
 * one product (one SKU, `stock` units at PRICE), and buyer b1.
 */
export async function refundBench(
  t: Teardown,
  opts: { stock?: number; env?: Record<string, string>; gateway?: Partial<SandboxSettings> } = {},
) {
  const bench = await startCommerce(t, { gateway: opts.gateway, env: { REFUND_RETRY_MS: '200', ...opts.env } });
  const { node } = bench;
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant, { name: 'Tea House', currency: 'CNY' });
  const staffAdd = await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st1`, merchant);
  if (staffAdd.status !== 200) throw new Error(`adding staff: ${staffAdd.status} ${JSON.stringify(staffAdd.body)}`);
  const staff = await tokenAs(node, 'st1', 'viewer');
  const product = await addProduct(
    node,
    merchant,
    shop.id,
    simpleProduct({ title: 'Oolong', skus: [{ values: [], code: 'OOL', price: PRICE, stock: opts.stock ?? 20 }] }),
  );
  const buyer = await tokenAs(node, 'b1', 'viewer');
  return { ...bench, merchant, shop, staff, product, buyer };
}

/** Places a storefront order of `quantity` units (201 expected). */
export async function placeOrder(node: TestNode, buyer: string, product: ShopProduct, quantity: number, key: string): Promise<Order> {
  const res = await api<PlaceOrderResult>(node.url, 'POST', '/api/orders', buyer, {
    productId: product.id,
    skuId: product.skus[0]!.id,
    quantity,
    idempotencyKey: `order-key-${key}`,
    channel: 'storefront',
  });
  if (res.status !== 201) throw new Error(`placing an order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.order;
}

/** Places an order and waits until the sandbox has paid it. */
export async function paidOrder(node: TestNode, buyer: string, product: ShopProduct, quantity: number, key: string): Promise<Order> {
  const placed = await placeOrder(node, buyer, product, quantity, key);
  const [final] = await waitFinal(node, buyer, [placed.id]);
  if (final?.status !== 'paid') throw new Error(`order ${placed.id} ended ${final?.status}`);
  return final;
}

/** POST /api/orders/:orderId/refunds. */
export function refund(node: TestNode, token: string, orderId: string, body: unknown) {
  return api<RefundResult & ErrorBody>(node.url, 'POST', `/api/orders/${orderId}/refunds`, token, body);
}

/** GET /api/orders/:orderId/refunds (200 expected). */
export async function refundsOf(node: TestNode, token: string, orderId: string): Promise<OrderRefunds> {
  const res = await api<OrderRefunds>(node.url, 'GET', `/api/orders/${orderId}/refunds`, token);
  if (res.status !== 200) throw new Error(`reading refunds: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The order's refund totals and its refund rows, straight from the ledger. */
export async function ledgerRefunds(node: TestNode, orderId: string) {
  const db = node.node.ctx.db;
  const { rows: o } = await db.query<{ refunded_amount: number; refunded_quantity: number; refund_held: number; charge_refunded: number }>(
    `SELECT o.refunded_amount::int, o.refunded_quantity, o.refund_held::int, c.refunded_amount::int AS charge_refunded
     FROM orders o LEFT JOIN charges c ON c.id = o.charge_id WHERE o.id = $1`,
    [orderId],
  );
  const { rows: refunds } = await db.query<{ status: string; amount: number; quantity: number }>(
    `SELECT status, amount::int, quantity FROM refunds WHERE order_id = $1 ORDER BY created_at, id`,
    [orderId],
  );
  return { ...o[0]!, refunds };
}

/** Everything a refused request must leave untouched: refund, request and audit rows, order totals, gateway refunds. */
export async function moneySnapshot(node: TestNode) {
  const { rows } = await node.node.ctx.db.query(
    `SELECT (SELECT count(*)::int FROM refunds) AS refunds, (SELECT count(*)::int FROM refund_requests) AS requests,
            (SELECT count(*)::int FROM merchant_audit) AS audit,
            (SELECT coalesce(sum(refunded_amount + refund_held), 0)::int FROM orders) AS refunded,
            (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM orders) AS statuses,
            (SELECT coalesce(sum(stock_adjusted), 0)::int FROM shop_skus) AS adjusted`,
  );
  return rows[0] as Record<string, unknown>;
}
