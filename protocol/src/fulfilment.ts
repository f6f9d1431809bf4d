/**
 * After payment (issue 16, items 3 and 4; docs/commerce.md, "After payment: fulfilment"): a paid order's fulfilment,
 * separate from its payment status, and the timeline buyers and staff read.
 *
 *   unfulfilled --ship (carrier, tracking)--> shipped --deliver--> delivered --(ORDER_AUTO_COMPLETE_MS)--> completed
 *
 * Steps only move forward and only for paid orders.
 */
import { z } from 'zod';
import { EpochMs, Id } from './common.ts';

export const FulfilmentStatus = z.enum(['unfulfilled', 'shipped', 'delivered', 'completed']);
export type FulfilmentStatus = z.infer<typeof FulfilmentStatus>;

/**
 * A carrier's name ("UPS", "SF Express", "La Poste"): 1-40 characters of letters, digits, spaces and . & ' -, starting
 * with a letter or digit (so it is never a spreadsheet formula in an export).
 */
export const Carrier = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} .&'-]{0,39}$/u, "must be 1-40 letters, digits, spaces or . & ' -, starting with a letter or digit");
/** A tracking number: 4-40 characters of A-Z a-z 0-9 and -, starting with a letter or digit. */
export const TrackingNumber = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{3,39}$/, 'must be 4-40 characters of A-Z a-z 0-9 -, starting with a letter or digit');
/** A note kept in the order's history with the step (optional). */
export const FulfilmentNote = z.string().trim().min(1).max(200);

/** An order's fulfilment: where it is, the shipment, and when each step happened (null: not yet). */
export const OrderFulfilment = z.object({
  status: FulfilmentStatus,
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  shippedAt: EpochMs.nullable(),
  deliveredAt: EpochMs.nullable(),
  completedAt: EpochMs.nullable(),
});
export type OrderFulfilment = z.infer<typeof OrderFulfilment>;

/** POST /api/orders/:orderId/ship: the shipment of a paid, unfulfilled order. The same shipment again changes nothing. */
export const ShipOrderBody = z.strictObject({ carrier: Carrier, trackingNumber: TrackingNumber, note: FulfilmentNote.optional() });
export type ShipOrderBody = z.infer<typeof ShipOrderBody>;

/** POST /api/orders/:orderId/deliver: staff mark a shipped order delivered (no carrier callback needed). */
export const DeliverOrderBody = z.strictObject({ note: FulfilmentNote.optional() });
export type DeliverOrderBody = z.infer<typeof DeliverOrderBody>;
/** `POST /api/orders/:orderId/confirm-receipt` (the buyer; 确认收货): an empty object, or no body. */
export const ConfirmReceiptBody = z.strictObject({});
export type ConfirmReceiptBody = z.infer<typeof ConfirmReceiptBody>;

/**
 * POST /api/shops/:shopId/shipments (a shop's orders) and POST /api/rooms/:roomId/shipments (a room's own products'
 * orders): many shipments at once, as CSV text with the header
 * `order_id,carrier,tracking_number` (RFC 4180; at most FULFILMENT_CSV_MAX_BYTES bytes and FULFILMENT_CSV_MAX_ROWS
 * rows, else the upload is refused and changes nothing). Each row is applied on its own: a bad row is reported and
 * changes nothing, the good rows are applied.
 */
export const ShipmentsUploadBody = z.strictObject({ csv: z.string().min(1) });
export type ShipmentsUploadBody = z.infer<typeof ShipmentsUploadBody>;

/** What became of one CSV row (`row`: its line number in the file, the header being 1). */
export const ShipmentRowResult = z.object({
  row: z.number().int(),
  orderId: z.string().nullable(),
  /** shipped: applied now; unchanged: the order already had this shipment; error: nothing changed (see `error`). */
  outcome: z.enum(['shipped', 'unchanged', 'error']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ShipmentRowResult = z.infer<typeof ShipmentRowResult>;

export const ShipmentsUploadResult = z.object({
  shipped: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  rows: z.array(ShipmentRowResult),
});
export type ShipmentsUploadResult = z.infer<typeof ShipmentsUploadResult>;

/** Whether a history step is about the order's money (placing, paying, cancelling, refunds) or its fulfilment. */
export const TimelineKind = z.enum(['payment', 'fulfilment']);
export type TimelineKind = z.infer<typeof TimelineKind>;

/** Statuses of the order's history that are fulfilment steps (every other one is a payment step). */
export const FULFILMENT_STEPS: readonly string[] = ['shipped', 'delivered', 'completed'];

/** One step of an order's history: what it became, why, who did it (a user id or `system:<part>`) and when. */
export const OrderTimelineEvent = z.object({
  status: z.string(),
  /** Additive (issue 16). */
  kind: TimelineKind.optional(),
  reason: z.string().nullable(),
  actor: z.string(),
  at: EpochMs,
});
export type OrderTimelineEvent = z.infer<typeof OrderTimelineEvent>;

/** GET /api/orders/:orderId/history. `fulfilment` and `refundedAmount` are additive (issue 16). */
export const OrderHistory = z.object({
  orderId: Id,
  events: z.array(OrderTimelineEvent),
  fulfilment: OrderFulfilment.optional(),
  /** Refunded so far, minor units of the order's currency. */
  refundedAmount: z.number().int().optional(),
});
export type OrderHistory = z.infer<typeof OrderHistory>;
