/**
 * The commerce part of a room as a client holds it (the pinned product card, the flash sale with its live counters,
 * stock per SKU and per sale pool, the buyer's orders), and the one reducer that applies the server's commerce pushes
 * to it. Pure, like state/live.ts: the pages and integrators share it, and it is unit-tested without a server.
 *
 * Types only from the protocol (`import type`): a page that uses this reducer bundles no schema and no zod.
 */
import type {
  FlashSale,
  Order,
  OrderFulfilment,
  OrderStatus,
  PinnedProduct,
  Product,
  RoomSnapshot,
  SaleState,
  ServerToClientEvents,
  StockUpdate,
} from '@hawker/protocol';

/** One of the buyer's orders as this client knows it. */
export interface OrderView {
  id: string;
  /** The newest status known (pushes and acknowledgements merged, see {@link applyCommerceEvent}). */
  status: OrderStatus;
  /** Why the order failed, expired or was cancelled; null otherwise. */
  reason: string | null;
  /** Server time of `status` (ms epoch). */
  updatedAt: number;
  /**
   * The order itself (title, amount, quantity...) once this client has it: its `order:place` acknowledgement, a cancel's
   * answer, a read of GET /api/orders. Null while only status pushes arrived. Its own `status` may be older than the
   * view's: read the view's.
   */
  order: Order | null;
  /**
   * Additive (issue 16): the order's fulfilment once a fulfilment push arrived (shipped, delivered, completed, with the
   * carrier and tracking number); it only moves forward. Absent until then (read `order.fulfilment` of a fetched order).
   */
  fulfilment?: OrderFulfilment;
}

/** Units left and sold in one flash sale's pool. */
export interface SalePool {
  left: number;
  sold: number;
}

/**
 * A client's view of a room's commerce, built from the join snapshot with {@link commerceStateFromSnapshot} and kept
 * current with {@link applyCommerceEvent}. Unchanged parts keep their identity across updates (an update that changes
 * nothing returns the same state), so a view can compare references to know what to re-render.
 */
export interface CommerceState {
  roomId: string;
  /** The "now explaining" product card; its SKUs' `left` follow the stock pushes. */
  pinned: PinnedProduct | null;
  /**
   * The flash sale to show: the live one, else the next scheduled one (as the join snapshot picks), else the last one
   * seen, ended. Its `left` / `sold` follow the stock pushes.
   */
  sale: FlashSale | null;
  stock: {
    /** Units left per catalog SKU, by {@link skuKey}: the SKUs this client has seen (pinned card, products read, pushes). */
    skus: Readonly<Record<string, number>>;
    /** Per flash sale (by id): units left and sold. */
    sales: Readonly<Record<string, SalePool>>;
  };
  /**
   * The buyer's orders by id. `order:updated` is pushed to every connection of the buyer, so orders placed in other
   * rooms appear here too (with their status only).
   */
  orders: Readonly<Record<string, OrderView>>;
}

type Push<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** The commerce pushes {@link applyCommerceEvent} understands (subscribe to each and feed it). */
export const COMMERCE_PUSHES = [
  'product:pinned',
  'product:unpinned',
  'product:updated',
  'sale:scheduled',
  'sale:started',
  'sale:soldout',
  'sale:ended',
  'stock:update',
  'order:updated',
] as const;
export type CommercePush = (typeof COMMERCE_PUSHES)[number];

/**
 * What {@link applyCommerceEvent} applies: a commerce push, or something this client read or was answered (not a
 * push): `order` (an order: the `order:place` acknowledgement, a cancel's answer, GET /api/orders), `product` (a
 * product read from the catalog: its SKUs' stock), `sale` (a flash sale read or scheduled through the API).
 */
export type CommerceEvent =
  | { [E in CommercePush]: { event: E; payload: Push<E> } }[CommercePush]
  | { event: 'order'; payload: Order }
  | { event: 'product'; payload: Product }
  | { event: 'sale'; payload: FlashSale };

/** The key of a SKU in {@link CommerceState.stock}.skus. */
export function skuKey(productId: string, skuId: string): string {
  return `${productId}/${skuId}`;
}

/**
 * Builds the commerce state a fresh join gives. The snapshot carries no orders: pass the ones known so far to keep
 * them across a reconnect's resync.
 */
export function commerceStateFromSnapshot(s: RoomSnapshot, orders: Readonly<Record<string, OrderView>> = {}): CommerceState {
  const skus: Record<string, number> = {};
  const sales: Record<string, SalePool> = {};
  if (s.pinned) for (const sku of s.pinned.product.skus) skus[skuKey(s.pinned.product.id, sku.id)] = sku.left;
  if (s.flashSale) sales[s.flashSale.id] = { left: s.flashSale.left, sold: s.flashSale.sold };
  return { roomId: s.room.id, pinned: s.pinned, sale: s.flashSale, stock: { skus, sales }, orders };
}

/** A sale only moves forward: scheduled, live, ended. */
const SALE_STAGE: Record<SaleState, number> = { scheduled: 0, live: 1, ended: 2 };
/** An order only moves forward: reserved, pending_payment, then one final status (server/stock/lua/transition.lua). */
const ORDER_STAGE: Record<OrderStatus, number> = { reserved: 0, pending_payment: 1, paid: 2, failed: 2, expired: 2, cancelled: 2 };

/**
 * Applies one commerce push (or a read, see {@link CommerceEvent}) to the state; returns a new state, or the same one
 * when nothing changed. Pushes for other rooms are ignored. Order-tolerant where the network can reorder:
 * - pinned: a pin older than the card shown (`pinnedAt`) is ignored; an unpin only removes the product it names.
 * - sale: a sale never goes back (scheduled → live → ended); a live sale is not displaced by a scheduled one, and a
 *   scheduled one by a later one (the join snapshot's choice).
 * - stock: `stock:update` carries absolute counts (one coalesced packet per room per tick): applied as a whole, and a
 *   repeated packet changes nothing.
 * - orders: a status never goes back (reserved → pending_payment → paid, failed, expired or cancelled, which is final),
 *   and for the same status the later `updatedAt` wins: a stale push or a late acknowledgement never overwrites a
 *   newer status.
 */
export function applyCommerceEvent(state: CommerceState, e: CommerceEvent): CommerceState {
  switch (e.event) {
    case 'order:updated':
      // A fulfilment step of a paid order (issue 16) changes its fulfilment, not its payment status.
      if (e.payload.fulfilment)
        return withFulfilment(state, e.payload.orderId, e.payload.status, e.payload.updatedAt, e.payload.fulfilment);
      return withOrderStatus(state, e.payload.orderId, e.payload, null);
    case 'order':
      return withOrderStatus(
        state,
        e.payload.id,
        { status: e.payload.status, reason: e.payload.failureReason, updatedAt: e.payload.updatedAt },
        e.payload,
      );
    default:
  }
  if (e.payload.roomId !== state.roomId) return state;
  switch (e.event) {
    case 'product:pinned': {
      const pin = e.payload;
      if (state.pinned && state.pinned.pinnedAt > pin.pinnedAt) return state;
      return { ...state, pinned: pin, stock: withSkus(state.stock, pin.product) };
    }
    case 'product:unpinned':
      return state.pinned?.product.id === e.payload.productId ? { ...state, pinned: null } : state;
    case 'product:updated': {
      // New title, pictures or prices. Its SKU counts are taken only for SKUs not known yet: the known ones follow
      // `stock:update`, which may be newer than the read behind this push.
      const p = e.payload.product;
      const stock = withSkus(state.stock, { ...p, skus: p.skus.filter((sku) => !(skuKey(p.id, sku.id) in state.stock.skus)) });
      const pinned = state.pinned?.product.id === p.id ? pinnedWithStock({ ...state.pinned, product: p }, stock.skus) : state.pinned;
      return stock === state.stock && pinned === state.pinned ? state : { ...state, stock, pinned };
    }
    case 'product': {
      const stock = withSkus(state.stock, e.payload);
      if (stock === state.stock) return state;
      const pinned = state.pinned?.product.id === e.payload.id ? pinnedWithStock(state.pinned, stock.skus) : state.pinned;
      return { ...state, stock, pinned };
    }
    case 'sale:scheduled':
    case 'sale:started':
    case 'sale':
      return withSale(state, e.payload);
    case 'sale:soldout': {
      const { saleId } = e.payload;
      const shown = state.sale?.id === saleId ? state.sale : null;
      const sale = shown && shown.left !== 0 ? { ...shown, left: 0 } : state.sale;
      return withPool(state, saleId, { left: 0, sold: state.stock.sales[saleId]?.sold ?? shown?.sold ?? 0 }, sale);
    }
    case 'sale:ended': {
      // Ending moves the unsold units back to the SKU (server/stock/lua/end.lua): left becomes 0, returned grows by it.
      const { saleId, reason, sold } = e.payload;
      const shown = state.sale?.id === saleId ? state.sale : null;
      const sale =
        shown && shown.state !== 'ended'
          ? { ...shown, state: 'ended' as const, endedReason: reason, sold, left: 0, returned: shown.returned + shown.left }
          : state.sale;
      return withPool(state, saleId, { left: 0, sold }, sale);
    }
    case 'stock:update':
      return withStockUpdate(state, e.payload);
  }
}

/** Sets `view` for order `id` unless the known status is newer (see {@link applyCommerceEvent}); `order` fills in details. */
function withOrderStatus(
  state: CommerceState,
  id: string,
  view: Pick<OrderView, 'status' | 'reason' | 'updatedAt'>,
  order: Order | null,
): CommerceState {
  const known = state.orders[id];
  // Statuses only move forward, so the further one is the newer whatever the clocks say; within one stage (the same
  // status, in practice), the later updatedAt.
  const stage = known ? ORDER_STAGE[view.status] - ORDER_STAGE[known.status] : 1;
  const newer = stage > 0 || (stage === 0 && view.updatedAt > known!.updatedAt);
  if (!newer && (!order || known?.order === order)) return state;
  const next: OrderView = newer
    ? { id, status: view.status, reason: view.reason, updatedAt: view.updatedAt, order: order ?? known?.order ?? null }
    : { ...known!, order: order! };
  return { ...state, orders: { ...state.orders, [id]: next } };
}

const FULFILMENT_STAGE: Record<OrderFulfilment['status'], number> = { unfulfilled: 0, shipped: 1, delivered: 2, completed: 3 };

/** `state` with order `id`'s fulfilment at `f`, unless the view already has the same or a later step. */
function withFulfilment(state: CommerceState, id: string, status: OrderStatus, at: number, f: OrderFulfilment): CommerceState {
  const known = state.orders[id];
  if (known?.fulfilment && FULFILMENT_STAGE[known.fulfilment.status] >= FULFILMENT_STAGE[f.status]) return state;
  const view: OrderView = known ?? { id, status, reason: null, updatedAt: at, order: null };
  return { ...state, orders: { ...state.orders, [id]: { ...view, fulfilment: f } } };
}

/** The sale to show after learning of `incoming` (a push or a read of it). */
function withSale(state: CommerceState, incoming: FlashSale): CommerceState {
  const current = state.sale;
  const same = current?.id === incoming.id;
  if (same && SALE_STAGE[incoming.state] < SALE_STAGE[current.state]) return state; // older than what is shown
  const take =
    same ||
    !current ||
    current.state === 'ended' ||
    incoming.state === 'live' ||
    (incoming.state === 'scheduled' && current.state === 'scheduled' && incoming.startsAt < current.startsAt);
  return withPool(state, incoming.id, { left: incoming.left, sold: incoming.sold }, take ? incoming : state.sale);
}

/** `state` with sale `saleId`'s pool at `pool` and `sale` shown (the same state when neither changes anything). */
function withPool(state: CommerceState, saleId: string, pool: SalePool, sale: FlashSale | null): CommerceState {
  const known = state.stock.sales[saleId];
  const stock =
    known?.left === pool.left && known.sold === pool.sold
      ? state.stock
      : { ...state.stock, sales: { ...state.stock.sales, [saleId]: pool } };
  return sale === state.sale && stock === state.stock ? state : { ...state, sale, stock };
}

/** `stock` with `product`'s SKUs as it says (the same object when they are already so). */
function withSkus(stock: CommerceState['stock'], product: Product): CommerceState['stock'] {
  let skus: Record<string, number> | null = null;
  for (const sku of product.skus) {
    const key = skuKey(product.id, sku.id);
    if (stock.skus[key] === sku.left) continue;
    skus ??= { ...stock.skus };
    skus[key] = sku.left;
  }
  return skus ? { ...stock, skus } : stock;
}

/** The pinned card with its SKUs' `left` from `skus` (the same object when nothing differs). */
function pinnedWithStock(pinned: PinnedProduct, skus: Readonly<Record<string, number>>): PinnedProduct {
  const p = pinned.product;
  if (p.skus.every((sku) => (skus[skuKey(p.id, sku.id)] ?? sku.left) === sku.left)) return pinned;
  return { ...pinned, product: { ...p, skus: p.skus.map((sku) => ({ ...sku, left: skus[skuKey(p.id, sku.id)] ?? sku.left })) } };
}

/** One coalesced stock packet: every pool it names, the sale shown and the pinned card, in one step. */
function withStockUpdate(state: CommerceState, u: StockUpdate): CommerceState {
  let sales: Record<string, SalePool> | null = null;
  for (const s of u.sales) {
    const known = state.stock.sales[s.saleId];
    if (known?.left === s.left && known.sold === s.sold) continue;
    sales ??= { ...state.stock.sales };
    sales[s.saleId] = { left: s.left, sold: s.sold };
  }
  let skus: Record<string, number> | null = null;
  for (const s of u.skus) {
    const key = skuKey(s.productId, s.skuId);
    if (state.stock.skus[key] === s.left) continue;
    skus ??= { ...state.stock.skus };
    skus[key] = s.left;
  }
  if (!sales && !skus) return state;
  const stock = { skus: skus ?? state.stock.skus, sales: sales ?? state.stock.sales };
  const pool = state.sale ? sales?.[state.sale.id] : undefined;
  const sale = state.sale && pool ? { ...state.sale, left: pool.left, sold: pool.sold } : state.sale;
  const pinned = state.pinned && skus ? pinnedWithStock(state.pinned, stock.skus) : state.pinned;
  return { ...state, stock, sale, pinned };
}
