/**
 * Commerce wire contract: catalog, pinned product, flash sales, orders, analytics, and the payment gateway's HTTP
 * contract (what the sandbox gateway serves, what Hawker's gateway client and webhook endpoint parse).
 *
 * Money is always an integer number of minor units (cents, fen) plus an ISO 4217 currency code: no floats anywhere.
 */
import { z } from 'zod';
import { EpochMs, Id, ImageUrl, PlainText } from './common.ts';
import { OrderFulfilment, OrderTimelineEvent } from './fulfilment.ts';

// ---------------------------------------------------------------------------------------------------------------------
// Shared scalars

/** A price or amount in minor units. Bounded so qty × price stays far below 2^53 (exact in JS and Redis Lua). */
export const MinorUnits = z.number().int().min(0).max(1_000_000_000);
/** ISO 4217 code, upper case. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD or CNY');
/**
 * Units one SKU can hold: the cap on its `total` (left + reserved + sold + allocated). Checked when a product is created
 * and enforced atomically by every restock (server/stock/lua/adjust.lua), so it lives here only.
 */
export const MAX_SKU_STOCK = 1_000_000;
/** Units of one SKU a room can hold. */
export const StockCount = z.number().int().min(0).max(MAX_SKU_STOCK);
/** Units in one order. */
export const OrderQuantity = z.number().int().min(1).max(99);
/** Client-chosen key making an order request safe to retry: same key + same request = the same order. */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 chars of A-Z a-z 0-9 _ -');

// ---------------------------------------------------------------------------------------------------------------------
// Catalog

export const SkuInput = z.strictObject({ id: Id, label: PlainText(60), stock: StockCount });

/** POST /api/rooms/:roomId/products */
export const CreateProductBody = z
  .strictObject({
    title: PlainText(120),
    imageUrl: ImageUrl,
    /** List price per unit, minor units. */
    price: MinorUnits.min(1),
    currency: Currency,
    skus: z.array(SkuInput).min(1).max(50),
    /** Per-buyer cap on units bought at list price (active orders); unset: only the per-order cap of 99. */
    maxPerBuyer: OrderQuantity.optional(),
  })
  .refine((b) => new Set(b.skus.map((s) => s.id)).size === b.skus.length, { message: 'SKU ids must be unique', path: ['skus'] });
export type CreateProductBody = z.infer<typeof CreateProductBody>;

/** PATCH /api/rooms/:roomId/products/:productId (currency and SKUs are fixed; stock moves through /stock). */
export const UpdateProductBody = z
  .strictObject({
    title: PlainText(120).optional(),
    imageUrl: ImageUrl.optional(),
    price: MinorUnits.min(1).optional(),
    maxPerBuyer: OrderQuantity.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type UpdateProductBody = z.infer<typeof UpdateProductBody>;

/**
 * POST /api/rooms/:roomId/products/:productId/stock: restock (delta > 0) or withdraw unsold units (delta < 0). A restock
 * that would take the SKU's total past MAX_SKU_STOCK is refused (409) and changes nothing.
 */
export const AdjustStockBody = z.strictObject({
  skuId: Id,
  delta: z
    .number()
    .int()
    .min(-MAX_SKU_STOCK)
    .max(MAX_SKU_STOCK)
    .refine((d) => d !== 0, 'must not be 0'),
});
export type AdjustStockBody = z.infer<typeof AdjustStockBody>;

export const ProductParams = z.strictObject({ roomId: Id, productId: Id });

/**
 * One SKU's stock as everyone sees it. `total` = left + reserved + sold + allocated always holds (allocated: units
 * handed to flash sales and not returned yet).
 */
export const SkuView = z.object({
  id: Id,
  label: z.string(),
  left: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  allocated: z.number().int(),
  total: z.number().int(),
  /** A shop product's SKU (additive): its own price in minor units, the merchant's code, its attribute values. */
  price: z.number().int().optional(),
  code: z.string().optional(),
  values: z.array(z.string()).optional(),
});
export type SkuView = z.infer<typeof SkuView>;

export const Product = z.object({
  id: Id,
  roomId: Id,
  title: z.string(),
  imageUrl: z.string(),
  price: z.number().int(),
  currency: Currency,
  maxPerBuyer: z.number().int().nullable(),
  skus: z.array(SkuView),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  /**
   * Set when the product is a shop's, selected into this room (additive; docs/commerce.md, "Channels"): its shop, its
   * version, every image (the first is `imageUrl`) and its description. `price` is then its lowest SKU price and each
   * SKU carries its own. Its stock is the shop SKU's one pool, shared with every room and the storefront.
   */
  shopId: Id.optional(),
  version: z.number().int().optional(),
  images: z.array(z.string()).optional(),
  description: z.string().optional(),
});
export type Product = z.infer<typeof Product>;

/**
 * POST /api/rooms/:roomId/selection: puts a shop product the room's creator may sell (selection terms) on the room's
 * product list; DELETE /api/rooms/:roomId/selection/:productId takes it off (its shared stock keeps selling elsewhere).
 */
export const SelectProductBody = z.strictObject({ productId: Id });
export type SelectProductBody = z.infer<typeof SelectProductBody>;

/** PUT /api/rooms/:roomId/pin */
export const PinProductBody = z.strictObject({ productId: Id });

/** The "now explaining" card: join snapshot slot `pinned` and the `product:pinned` push. */
export const PinnedProduct = z.object({ roomId: Id, product: Product, pinnedAt: EpochMs });
export type PinnedProduct = z.infer<typeof PinnedProduct>;

export const ProductUnpinned = z.object({ roomId: Id, productId: Id });

/** One price that changed: a SKU's (a shop product's), or the whole product's (`skuId` null: a room's own product). */
export const PriceChange = z.object({ skuId: Id.nullable(), price: z.number().int(), previousPrice: z.number().int() });
export type PriceChange = z.infer<typeof PriceChange>;

/**
 * The `product:price` push (issue 18): a product on the room's list changed price (its room's managers edited it, or
 * its shop repriced SKUs). Orders reserved from now on pay the new price; the recording's timeline keeps it.
 */
export const ProductPriceChanged = z.object({ roomId: Id, productId: Id, changes: z.array(PriceChange).min(1), at: EpochMs });
export type ProductPriceChanged = z.infer<typeof ProductPriceChanged>;

// ---------------------------------------------------------------------------------------------------------------------
// Flash sales

export const SaleState = z.enum(['scheduled', 'live', 'ended']);
export type SaleState = z.infer<typeof SaleState>;

/** POST /api/rooms/:roomId/sales. The quantity is taken from the SKU's stock when the sale is scheduled. */
export const ScheduleSaleBody = z.strictObject({
  productId: Id,
  skuId: Id,
  /** Start (server clock, ms epoch); omitted or past: starts at once. */
  startsAt: EpochMs.optional(),
  durationMs: z
    .number()
    .int()
    .min(5_000)
    .max(24 * 3600_000),
  salePrice: MinorUnits.min(1),
  quantity: z.number().int().min(1).max(100_000),
  /**
   * Most units one buyer may hold from this sale (active orders). Omitted: the product's `maxPerBuyer`, or if it has
   * none the server's default (FLASH_SALE_DEFAULT_MAX_PER_BUYER, 5 unless configured); the sale shows which applies.
   */
  perBuyerLimit: OrderQuantity.optional(),
});
export type ScheduleSaleBody = z.infer<typeof ScheduleSaleBody>;

/**
 * Where a sale's `perBuyerLimit` comes from: the sale's own, its product's `maxPerBuyer`, or the server's default
 * (FLASH_SALE_DEFAULT_MAX_PER_BUYER) when neither sets one.
 */
export const PerBuyerLimitSource = z.enum(['sale', 'product', 'default']);
export type PerBuyerLimitSource = z.infer<typeof PerBuyerLimitSource>;

export const SaleParams = z.strictObject({ roomId: Id, saleId: Id });

/** A flash sale with live counts. quantity = left + reserved + sold + returned always holds. */
export const FlashSale = z.object({
  id: Id,
  roomId: Id,
  productId: Id,
  skuId: Id,
  title: z.string(),
  imageUrl: z.string(),
  currency: Currency,
  listPrice: z.number().int(),
  salePrice: z.number().int(),
  quantity: z.number().int(),
  /** Most units one buyer may hold from this sale, whatever set it (`perBuyerLimitSource`); enforced by the order script. */
  perBuyerLimit: z.number().int(),
  /** Whether the limit is the sale's own, its product's, or the server's default (shown to buyers either way). */
  perBuyerLimitSource: PerBuyerLimitSource,
  startsAt: EpochMs,
  endsAt: EpochMs,
  state: SaleState,
  left: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  /** Units given back to the SKU after the sale ended (unsold, or released reservations). */
  returned: z.number().int(),
  endedReason: z.string().nullable(),
});
export type FlashSale = z.infer<typeof FlashSale>;

export const SaleSoldOut = z.object({ roomId: Id, saleId: Id });
export const SaleEnded = z.object({ roomId: Id, saleId: Id, reason: z.string(), sold: z.number().int() });

/** Coalesced live stock: at most one packet per room per tick, whatever the order rate. */
export const StockUpdate = z.object({
  roomId: Id,
  sales: z.array(z.object({ saleId: Id, left: z.number().int(), sold: z.number().int() })),
  skus: z.array(z.object({ productId: Id, skuId: Id, left: z.number().int() })),
});
export type StockUpdate = z.infer<typeof StockUpdate>;

// ---------------------------------------------------------------------------------------------------------------------
// Orders

export const OrderStatus = z.enum(['reserved', 'pending_payment', 'paid', 'failed', 'expired', 'cancelled']);
export type OrderStatus = z.infer<typeof OrderStatus>;
export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ['paid', 'failed', 'expired', 'cancelled'];

/** order:place from a flash sale (sale price, sale limits). */
export const PlaceSaleOrder = z.strictObject({ roomId: Id, saleId: Id, quantity: OrderQuantity, idempotencyKey: IdempotencyKey });
/** order:place at list price from the room's catalog. */
export const PlaceListOrder = z.strictObject({
  roomId: Id,
  productId: Id,
  skuId: Id,
  quantity: OrderQuantity,
  idempotencyKey: IdempotencyKey,
});
/** order:place payload. Prices never come from the client: the server reads them atomically with the stock. */
export const PlaceOrderInput = z.union([PlaceSaleOrder, PlaceListOrder]);
export type PlaceOrderInput = z.infer<typeof PlaceOrderInput>;

/**
 * Where an order came from (docs/commerce.md, "Channels"): a live room, a replay or clip of one (credited to its
 * creator), a shop's storefront or product link, or a search result.
 */
export const OrderChannel = z.enum(['live', 'replay', 'clip', 'storefront', 'search']);
export type OrderChannel = z.infer<typeof OrderChannel>;

/** The channels of POST /api/orders (a live order is `order:place` on the room's socket). */
export const OffLiveChannel = z.enum(['storefront', 'search', 'replay', 'clip']);
export type OffLiveChannel = z.infer<typeof OffLiveChannel>;

/**
 * POST /api/orders: buys a shop product outside a live. `roomId` (replay, clip: required) names the room whose replay
 * or clip sold it, whose creator is credited; it must have had the product selected. `saleId` buys at a flash sale's
 * price, only while that sale runs. Idempotent per (buyer, idempotencyKey), like `order:place`.
 */
export const PlaceShopOrderBody = z
  .strictObject({
    productId: Id,
    skuId: Id,
    quantity: OrderQuantity,
    idempotencyKey: IdempotencyKey,
    channel: OffLiveChannel,
    roomId: Id.optional(),
    saleId: Id.optional(),
  })
  .refine((b) => (b.channel === 'replay' || b.channel === 'clip') === (b.roomId !== undefined), {
    message: 'roomId is required for replay and clip orders (the room whose replay or clip sold it) and not allowed otherwise',
    path: ['roomId'],
  });
export type PlaceShopOrderBody = z.infer<typeof PlaceShopOrderBody>;

export const Order = z.object({
  id: Id,
  /** The room it was bought in (live) or whose replay or clip sold it; null for storefront and search orders. */
  roomId: Id.nullable(),
  buyerId: Id,
  productId: Id,
  skuId: Id,
  saleId: Id.nullable(),
  title: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  amount: z.number().int(),
  currency: Currency,
  status: OrderStatus,
  createdAt: EpochMs,
  updatedAt: EpochMs,
  /** Pay by then or the reservation expires and its stock returns. */
  deadline: EpochMs,
  chargeId: z.string().nullable(),
  failureReason: z.string().nullable(),
  /** Additive (issue 15): the channel, the shop whose product it is (null: a room's own product) and the credited creator. */
  channel: OrderChannel.optional(),
  shopId: Id.nullable().optional(),
  creatorId: Id.nullable().optional(),
  /** Additive (issue 16): the order's fulfilment after payment (protocol/src/fulfilment.ts). */
  fulfilment: OrderFulfilment.optional(),
  /** Additive (issue 16): refunded so far, minor units (0: nothing refunded). */
  refundedAmount: z.number().int().optional(),
  /** Additive (issue 16): the order's history, oldest first, when a list was asked for it (`timeline=true`). */
  timeline: z.array(OrderTimelineEvent).optional(),
});
export type Order = z.infer<typeof Order>;

/** order:place ack data. `replayed`: the idempotency key was seen before; this is the order it created. */
export const PlaceOrderResult = z.object({ order: Order, replayed: z.boolean() });
export type PlaceOrderResult = z.infer<typeof PlaceOrderResult>;

/**
 * Why an order was refused, in `error.details.reason` of a CONFLICT answer. The order attempt changed nothing.
 */
export const OrderRefusal = z.enum([
  'SOLD_OUT',
  'INSUFFICIENT_STOCK',
  'LIMIT_REACHED',
  'NOT_STARTED',
  'ENDED',
  'IDEMPOTENCY_KEY_REUSED',
  /** The shop archived the product (issue 15): it is not sold on any channel. */
  'ARCHIVED',
]);
export type OrderRefusal = z.infer<typeof OrderRefusal>;

export const OrderIdInput = z.strictObject({ orderId: Id });
export const OrderParams = z.strictObject({ orderId: Id });

/** Pushed to the buyer (all their sockets) whenever one of their orders changes status. */
export const OrderUpdated = z.object({
  orderId: Id,
  status: OrderStatus,
  reason: z.string().nullable(),
  chargeId: z.string().nullable(),
  updatedAt: EpochMs,
  /** Additive (issue 16): set when the change is a fulfilment step (shipped, delivered, completed). */
  fulfilment: OrderFulfilment.optional(),
});
export type OrderUpdated = z.infer<typeof OrderUpdated>;

/** GET /api/orders and GET /api/rooms/:roomId/orders: newest first. */
export const ListOrdersQuery = z.strictObject({
  status: OrderStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Legacy paging: only orders created before this time (ms). Orders created in the same ms as a page's last can be
   * skipped this way: use `cursor`. */
  before: z.coerce.number().int().min(0).optional(),
  /** Keyset paging: the `nextCursor` of the previous page (exact, whatever the number of orders per millisecond). */
  cursor: z.string().min(1).max(256).optional(),
  /** Only orders created at or after this time (ms). */
  from: z.coerce.number().int().min(0).optional(),
  /** Only orders created before this time (ms). */
  to: z.coerce.number().int().min(0).optional(),
  /** Additive (issue 16): `true` gives each order its `timeline` (payment and fulfilment steps, with who did them). */
  timeline: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export type ListOrdersQuery = z.infer<typeof ListOrdersQuery>;

/** A page of orders, newest first. `nextCursor` is null on the last page. */
export const OrderList = z.object({ orders: z.array(Order), nextCursor: z.string().nullable() });
export type OrderList = z.infer<typeof OrderList>;

// ---------------------------------------------------------------------------------------------------------------------
// Analytics

/** product:impression / product:click payload. */
export const ProductEventInput = z.strictObject({ roomId: Id, productId: Id });
export const ProductEventResult = z.object({ counted: z.boolean() });

export const CommerceCounters = z.object({
  impressions: z.number().int(),
  clicks: z.number().int(),
  /** Orders reserved (every accepted order counts once, whatever its outcome). */
  orders: z.number().int(),
  units: z.number().int(),
  paidOrders: z.number().int(),
  paidUnits: z.number().int(),
  /** Paid amount per currency, minor units. */
  gmv: z.record(z.string(), z.number().int()),
});
export type CommerceCounters = z.infer<typeof CommerceCounters>;

export const RoomAnalytics = CommerceCounters.extend({
  roomId: Id,
  products: z.record(z.string(), z.object({ impressions: z.number().int(), clicks: z.number().int() })),
});
export type RoomAnalytics = z.infer<typeof RoomAnalytics>;

export const AgencyAnalytics = CommerceCounters.extend({ agencyId: Id });
export type AgencyAnalytics = z.infer<typeof AgencyAnalytics>;
