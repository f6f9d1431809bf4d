/** What the fulfilment tests share: a node with fast auto-completion, real paid orders, shops with seeded paid orders. */
import type { Order, OrderUpdated, PlaceOrderResult, Product, Room, Shop } from '@hawker/protocol';
import { api, call, devToken, ok, type ClientSocket } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, startCommerce, waitFinal } from '../../harness/commerce.ts';
import type { TestNode } from '../../harness/node.ts';
import type { SandboxSettings } from '../../server/payments/sandbox/config.ts';
import type { Teardown } from '../../harness/teardown.ts';
import { seedOrders } from '../exports/fixtures.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/**
 * A node paying through the sandbox gateway, its auto-completion ticking every 50 ms; `env` may set
 * ORDER_AUTO_COMPLETE_MS (default a day: nothing completes unless a test asks for it).
 */
export async function fulfilmentBench(t: Teardown, env: Record<string, string> = {}, gateway: Partial<SandboxSettings> = {}) {
  return startCommerce(t, {
    gateway,
    env: {
      FULFILMENT_TICK_MS: '50',
      ORDER_AUTO_COMPLETE_MS: '86400000',
      WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true',
      WEBHOOK_DISPATCH_MS: '50',
      WEBHOOK_BACKOFF_MS: '20',
      ...env,
    },
  });
}

/**
 * A real paid order of a room's own product: creator c1 (agency ag1) goes live with a product, `buyerId` joins over a
 * socket and buys one unit at list price, the sandbox gateway charges. Returns every `order:updated` the buyer's
 * socket receives from the moment it joined.
 */
export async function paidRoomOrder(t: Teardown, node: TestNode, buyerId = 'buyer1', key = 'fulfil-order-1') {
  const { creator, room, product } = await liveRoomWithProduct(node);
  const buyer = await joinedViewer(t, node, room.id, { userId: buyerId });
  const updates: OrderUpdated[] = [];
  buyer.socket.on('order:updated', (u) => updates.push(u));
  const placed = ok(
    await call(buyer.socket, 'order:place', { roomId: room.id, productId: product.id, skuId: 'std', quantity: 1, idempotencyKey: key }),
  ) as PlaceOrderResult;
  const [final] = await waitFinal(node, buyer.token, [placed.order.id]);
  if (final?.status !== 'paid') throw new Error(`the order did not pay: ${JSON.stringify(final)}`);
  return { creator, room, product, buyer: buyer as { socket: ClientSocket; token: string }, orderId: placed.order.id, updates };
}

/** A merchant's shop (owner `ownerId`) with `n` paid storefront orders seeded in the ledger: ids `<idPrefix>1..n`. */
export async function shopWithPaidOrders(
  node: TestNode,
  ownerId: string,
  n: number,
  idPrefix: string,
): Promise<{ token: string; shop: Shop }> {
  const token = await tokenAs(node, ownerId, 'merchant');
  const shop = await openShop(node, token, { name: `Shop ${ownerId}` });
  await seedOrders(node, n, { shopId: shop.id }, { idPrefix });
  return { token, shop };
}

/** POST /api/orders/:id/ship. */
export function ship(
  node: TestNode,
  token: string,
  orderId: string,
  body: Record<string, unknown> = { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' },
) {
  return api<Order & ErrorBody>(node.url, 'POST', `/api/orders/${orderId}/ship`, token, body);
}

/** POST /api/orders/:id/deliver. */
export function deliver(node: TestNode, token: string, orderId: string, body: Record<string, unknown> = {}) {
  return api<Order & ErrorBody>(node.url, 'POST', `/api/orders/${orderId}/deliver`, token, body);
}

/** The order's row and history straight from PostgreSQL (to prove a refused request changed nothing). */
export async function ledgerState(node: TestNode, orderId: string) {
  const db = node.node.ctx.db;
  const order = await db.query(
    'SELECT status, fulfilment_status, carrier, tracking_number, shipped_at, delivered_at, completed_at FROM orders WHERE id = $1',
    [orderId],
  );
  const events = await db.query('SELECT status, actor FROM order_events WHERE order_id = $1 ORDER BY id', [orderId]);
  const outbox = await db.query('SELECT type FROM webhook_outbox WHERE order_id = $1 ORDER BY id', [orderId]);
  return { order: order.rows[0], events: events.rows, outbox: outbox.rows.map((r) => r.type as string) };
}

/** A dev token for an admin. */
export function adminToken(node: TestNode): Promise<string> {
  return devToken(node.url, { userId: 'root', name: 'root', role: 'admin' });
}

/** A live room of `creatorId` (agency ag1) with one product (SKU "std", 100 units at 1999 USD). */
export async function liveRoomOf(node: TestNode, creatorId: string) {
  const creator = await devToken(node.url, { userId: creatorId, name: creatorId, role: 'creator', agencyId: 'ag1' });
  const room = await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: `${creatorId} live` });
  const product = await api<Product>(node.url, 'POST', `/api/rooms/${room.body.id}/products`, creator, {
    title: `${creatorId} scarf`,
    imageUrl: 'https://img.example.com/scarf.jpg',
    price: 1999,
    currency: 'USD',
    skus: [{ id: 'std', label: 'Standard', stock: 100 }],
  });
  const live = await api(node.url, 'POST', `/api/rooms/${room.body.id}/live`, creator);
  if (room.status !== 201 || product.status !== 201 || live.status !== 200)
    throw new Error(`room of ${creatorId}: ${JSON.stringify(room.body)}`);
  return { creator, room: room.body, product: product.body };
}
