import {
  Carrier,
  ErrorCode,
  Id,
  type DeliverOrderBody,
  type Order,
  type Principal,
  type ShipmentRowResult,
  type ShipmentsUploadResult,
  type ShipOrderBody,
  TrackingNumber,
} from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { toWire, type LedgerOrder, type LedgerOrders } from '../ledger/index.ts';
import type { RoomService } from '../rooms/service.ts';
import type { ShopStore } from '../shops/store.ts';
import { looksLikeFormula, readCsv } from './csv.ts';
import type { FulfilmentStore } from './store.ts';

/** Tells the buyer's open sockets (every node) about a step: the orders domain's `order:updated` stream. */
export interface FulfilmentAnnouncer {
  announceFulfilment(o: Order, reason: string | null, at: number): Promise<void>;
}

/** The named limits and timing of fulfilment (server/config.ts). */
export interface FulfilmentLimits {
  ORDER_AUTO_COMPLETE_MS: number;
  FULFILMENT_CSV_MAX_BYTES: number;
  FULFILMENT_CSV_MAX_ROWS: number;
}

/** Who completes delivered orders in the history. */
export const AUTO_COMPLETE_ACTOR = 'system:fulfilment';
/** Orders completed per statement of the auto-completion (a tick loops until none is due). */
const COMPLETE_BATCH = 200;
/** The shipments CSV header, in this order. */
const CSV_HEADER = ['order_id', 'carrier', 'tracking_number'];

/**
 * A paid order's life after payment (docs/commerce.md, "After payment: fulfilment"): staff ship it (one order, or many
 * by CSV), mark it delivered, and the server completes it ORDER_AUTO_COMPLETE_MS after delivery. Steps only move
 * forward and only for paid orders (FulfilmentStore's conditional updates); every step is in the order's history with
 * who took it, pushed to the buyer (`order:updated` with `fulfilment`), and shipped/delivered become webhooks.
 */
export class FulfilmentService {
  constructor(
    private readonly store: FulfilmentStore,
    private readonly ledger: LedgerOrders,
    private readonly shops: ShopStore,
    private readonly rooms: RoomService,
    private readonly announcer: FulfilmentAnnouncer,
    private readonly limits: FulfilmentLimits,
    private readonly log: Logger,
  ) {}

  /** Ships a paid order (its seller's staff). The same shipment again answers the order unchanged. */
  async ship(p: Principal, orderId: string, body: ShipOrderBody): Promise<Order> {
    const order = await this.mustFulfil(p, orderId);
    return (await this.shipOne(p, order, body.carrier, body.trackingNumber, body.note ?? null)).order;
  }

  /** Marks a shipped order delivered (its seller's staff; no carrier callback needed). Again: unchanged. */
  async deliver(p: Principal, orderId: string, body: DeliverOrderBody): Promise<Order> {
    const order = await this.mustFulfil(p, orderId);
    const reason = body.note ?? null;
    if (await this.store.deliver(orderId, reason, p.userId)) return this.changed(orderId, reason, 'deliveredAt');
    const now = (await this.ledger.get(orderId)) ?? order;
    if (now.fulfilment?.status === 'delivered') return toWire(now);
    throw refusal(now, 'delivered');
  }

  /**
   * The buyer confirms they received a shipped (or delivered) order: it completes now instead of
   * ORDER_AUTO_COMPLETE_MS after delivery. Only the order's buyer: the seller's and the room's staff are FORBIDDEN,
   * anyone else NOT_FOUND (no existence leak). A completed order answers unchanged (a retried tap, or the
   * auto-completion came first); an unpaid, refunded or unshipped one is a CONFLICT saying why.
   */
  async confirmReceipt(p: Principal, orderId: string): Promise<Order> {
    const order = await this.ledger.get(orderId);
    if (!order) throw AppError.notFound(`Order ${orderId}`);
    if (order.buyerId !== p.userId) {
      const room = order.roomId ? await this.rooms.store.get(order.roomId) : null;
      const seller = order.shopId ? await this.shops.shop(this.shops.db, order.shopId) : null;
      const staff = seller && order.shopId ? await this.shops.staff(this.shops.db, order.shopId) : [];
      const sellerSide = seller && policy.canFulfilOrder(p, { shop: { ownerId: seller.ownerId, kind: seller.kind, staff } });
      if (sellerSide || (room && policy.canModerateRoom(p, room)))
        throw AppError.forbidden('Only the buyer confirms receipt of their order; staff mark it delivered (POST /api/orders/:id/deliver)');
      throw AppError.notFound(`Order ${orderId}`);
    }
    const reason = 'receipt confirmed by the buyer';
    if (await this.store.confirmReceipt(orderId, p.userId, reason)) {
      const done = await this.ledger.get(orderId);
      if (!done) throw new Error(`order ${orderId} vanished after the buyer confirmed receipt`);
      await this.push(done, reason, 'completedAt');
      return toWire(done);
    }
    const now = (await this.ledger.get(orderId)) ?? order;
    if (now.fulfilment?.status === 'completed') return toWire(now);
    if (now.status !== 'paid') throw AppError.conflict(`Order ${orderId} is ${now.status}: only a paid order is received`);
    if (now.amount > 0 && now.refundedAmount >= now.amount)
      throw AppError.conflict(`Order ${orderId} was refunded in full: there is nothing to receive`);
    throw AppError.conflict(`Order ${orderId} is not shipped yet: confirm receipt once it has been shipped`);
  }

  /**
   * Ships many orders of one seller (a shop, or a room for its own products) from CSV (order_id,carrier,tracking_number). The upload's size and row count are
   * checked first (QUOTA_EXCEEDED names the limit; nothing applied). Each row is then applied on its own: a bad row
   * (malformed, another shop's order, an unpaid or already shipped order) is reported with its typed error and changes
   * nothing; the good rows are applied. Uploading the same file again reports its rows `unchanged`.
   */
  async uploadShipments(p: Principal, seller: { shopId: string } | { roomId: string }, csv: string): Promise<ShipmentsUploadResult> {
    let owns: (o: LedgerOrder) => boolean;
    let sellerName: string;
    if ('shopId' in seller) {
      const { shopId } = seller;
      const shop = await this.shops.shop(this.shops.db, shopId);
      if (!shop) throw AppError.notFound(`Shop ${shopId}`);
      const staff = await this.shops.staff(this.shops.db, shopId);
      policy.require(
        policy.canFulfilOrder(p, { shop: { ownerId: shop.ownerId, kind: shop.kind, staff } }),
        "Only the shop's owner, its staff and admins ship its orders",
      );
      owns = (o) => o.shopId === shopId;
      sellerName = `shop ${shopId}`;
    } else {
      const { roomId } = seller;
      const room = await this.rooms.store.mustGet(roomId);
      policy.require(policy.canFulfilOrder(p, { room }), "Only the room's creator, its agency's owner and admins ship its orders");
      // A shop's product sold in the room is the shop's to ship, not the room's.
      owns = (o) => o.roomId === roomId && !o.shopId;
      sellerName = `room ${roomId}`;
    }
    const maxBytes = this.limits.FULFILMENT_CSV_MAX_BYTES;
    if (Buffer.byteLength(csv, 'utf8') > maxBytes)
      throw AppError.quotaExceeded(
        'FULFILMENT_CSV_MAX_BYTES',
        maxBytes,
        `A shipments CSV is at most ${maxBytes} bytes (FULFILMENT_CSV_MAX_BYTES); split the file`,
      );
    const records = readCsv(csv);
    const header = records[0];
    if (!header || 'error' in header || header.cells.map((c) => c.trim().toLowerCase()).join(',') !== CSV_HEADER.join(','))
      throw AppError.badRequest(`The first line must be the header ${CSV_HEADER.join(',')}`);
    const data = records.slice(1);
    const maxRows = this.limits.FULFILMENT_CSV_MAX_ROWS;
    if (data.length > maxRows)
      throw AppError.quotaExceeded(
        'FULFILMENT_CSV_MAX_ROWS',
        maxRows,
        `A shipments CSV has at most ${maxRows} rows (FULFILMENT_CSV_MAX_ROWS); split the file`,
      );
    if (data.length === 0) throw AppError.badRequest('The CSV has no rows after its header');

    const rows: ShipmentRowResult[] = [];
    for (const rec of data) {
      if ('error' in rec) {
        rows.push({ row: rec.line, orderId: null, outcome: 'error', error: { code: ErrorCode.BAD_REQUEST, message: rec.error } });
        continue;
      }
      const idCell = rec.cells[0]?.trim() ?? '';
      const orderId = Id.safeParse(idCell).success ? idCell : null;
      try {
        const { carrier, trackingNumber } = parseRow(rec.cells);
        const order = orderId ? await this.ledger.get(orderId) : null;
        // Another seller's order (or none) is NOT_FOUND: an upload never learns of orders that are not its seller's.
        if (!order || !owns(order)) throw AppError.notFound(`Order ${idCell.slice(0, 64)} of ${sellerName}`);
        const res = await this.shipOne(p, order, carrier, trackingNumber, null);
        rows.push({ row: rec.line, orderId, outcome: res.changed ? 'shipped' : 'unchanged', error: null });
      } catch (err) {
        if (!(err instanceof AppError)) this.log.warn({ err, seller, row: rec.line }, 'shipments CSV row failed');
        const e =
          err instanceof AppError
            ? err
            : AppError.unavailable('This row could not be applied now; upload the file again (applied rows stay unchanged)');
        rows.push({ row: rec.line, orderId, outcome: 'error', error: { code: e.code, message: e.message } });
      }
    }
    return {
      shipped: rows.filter((r) => r.outcome === 'shipped').length,
      unchanged: rows.filter((r) => r.outcome === 'unchanged').length,
      failed: rows.filter((r) => r.outcome === 'error').length,
      rows,
    };
  }

  /**
   * Completes every delivered order due (delivered ORDER_AUTO_COMPLETE_MS ago or more), in batches, pushing each to its
   * buyer. Safe on every node at once and idempotent (FulfilmentStore.completeDue). Returns how many this call completed.
   */
  async completeDue(): Promise<number> {
    const after = this.limits.ORDER_AUTO_COMPLETE_MS;
    const reason = `completed automatically ${after} ms after delivery`;
    let total = 0;
    for (;;) {
      const ids = await this.store.completeDue(after, COMPLETE_BATCH, reason, AUTO_COMPLETE_ACTOR);
      total += ids.length;
      const orders = await this.ledger.getMany(ids);
      await Promise.all([...orders.values()].map((o) => this.push(o, reason, 'completedAt')));
      if (ids.length < COMPLETE_BATCH) return total;
    }
  }

  private async shipOne(
    p: Principal,
    order: LedgerOrder,
    carrier: string,
    trackingNumber: string,
    note: string | null,
  ): Promise<{ changed: boolean; order: Order }> {
    const reason = `${carrier} ${trackingNumber}${note ? `: ${note}` : ''}`;
    if (await this.store.ship(order.id, carrier, trackingNumber, reason, p.userId))
      return { changed: true, order: await this.changed(order.id, reason, 'shippedAt') };
    const now = (await this.ledger.get(order.id)) ?? order;
    const f = now.fulfilment;
    // The same shipment again (a retried request, a re-uploaded file) is not an error.
    if (f?.status === 'shipped' && f.carrier === carrier && f.trackingNumber === trackingNumber)
      return { changed: false, order: toWire(now) };
    throw refusal(now, 'shipped');
  }

  /** Reads the order a step just changed, pushes it to the buyer (best effort) and answers it. */
  private async changed(orderId: string, reason: string | null, at: 'shippedAt' | 'deliveredAt'): Promise<Order> {
    const order = await this.ledger.get(orderId);
    if (!order) throw new Error(`order ${orderId} vanished after a fulfilment step`);
    await this.push(order, reason, at);
    return toWire(order);
  }

  private async push(order: LedgerOrder, reason: string | null, at: 'shippedAt' | 'deliveredAt' | 'completedAt'): Promise<void> {
    // The step is committed; the push is best effort (GET /api/orders/:id and the history are the truth).
    await this.announcer
      .announceFulfilment(toWire(order), reason, order.fulfilment?.[at] ?? Date.now())
      .catch((err: Error) => this.log.warn({ err: err.message, orderId: order.id }, 'pushing a fulfilment step failed'));
  }

  /**
   * The order, if `p` may ship and deliver it: a shop product's order by the shop's owner, staff and admins; a room's
   * own product's by those who manage the room. Those who may read the order (its buyer, the staff of the room it was
   * sold in) are told FORBIDDEN; anyone else NOT_FOUND (no existence leak).
   */
  private async mustFulfil(p: Principal, orderId: string): Promise<LedgerOrder> {
    const order = await this.ledger.get(orderId);
    if (!order) throw AppError.notFound(`Order ${orderId}`);
    const room = order.roomId ? await this.rooms.store.get(order.roomId) : null;
    if (order.shopId) {
      const shop = await this.shops.shop(this.shops.db, order.shopId);
      const staff = shop ? await this.shops.staff(this.shops.db, order.shopId) : [];
      if (shop && policy.canFulfilOrder(p, { shop: { ownerId: shop.ownerId, kind: shop.kind, staff } })) return order;
    } else if (room && policy.canFulfilOrder(p, { room })) return order;
    if (order.buyerId === p.userId || (room && policy.canModerateRoom(p, room)))
      throw AppError.forbidden("Only the seller's staff ship and deliver orders: a shop's owner and staff, a room's managers, admins");
    throw AppError.notFound(`Order ${orderId}`);
  }
}

/** The carrier and tracking number of a CSV row, validated as the REST body is (BAD_REQUEST naming the cell). */
function parseRow(cells: string[]): { carrier: string; trackingNumber: string } {
  if (cells.length !== CSV_HEADER.length)
    throw AppError.badRequest(`A row has ${CSV_HEADER.length} cells (${CSV_HEADER.join(',')}); this one has ${cells.length}`);
  for (const [i, cell] of cells.entries())
    if (looksLikeFormula(cell.trim())) throw AppError.badRequest(`${CSV_HEADER[i]} looks like a spreadsheet formula; it is not taken`);
  if (!Id.safeParse(cells[0]!.trim()).success) throw AppError.badRequest('order_id is not an order id');
  const carrier = Carrier.safeParse(cells[1]);
  if (!carrier.success) throw AppError.badRequest(`carrier ${carrier.error.issues[0]?.message ?? 'is malformed'}`);
  const tracking = TrackingNumber.safeParse(cells[2]);
  if (!tracking.success) throw AppError.badRequest(`tracking_number ${tracking.error.issues[0]?.message ?? 'is malformed'}`);
  return { carrier: carrier.data, trackingNumber: tracking.data };
}

/** Why a step was not taken: the order is not paid, or it is past (or not yet at) the step before. */
function refusal(o: LedgerOrder, step: 'shipped' | 'delivered'): AppError {
  if (o.status !== 'paid') return AppError.conflict(`Order ${o.id} is ${o.status}: only paid orders are shipped and delivered`);
  if (o.amount > 0 && o.refundedAmount >= o.amount) return AppError.conflict(`Order ${o.id} was refunded in full: it is not shipped`);
  const now = o.fulfilment?.status ?? 'unfulfilled';
  if (step === 'delivered' && now === 'unfulfilled') return AppError.conflict(`Order ${o.id} is not shipped yet: ship it first`);
  return AppError.conflict(`Order ${o.id} is already ${now}: fulfilment only moves forward (unfulfilled, shipped, delivered, completed)`);
}
