/**
 * After payment (issue 16, items 1, 2 and 7; docs/commerce.md "After payment: cancel and refunds"): staff cancel of
 * unpaid orders, merchant refunds of paid orders (full, or part by quantity or by amount), buyers' refund requests and
 * the merchant audit trail.
 */
import { z } from 'zod';
import { EpochMs, Id } from './common.ts';

/** A why, as people write it: 1-500 characters, not only blanks. */
export const MoneyReason = z.string().trim().min(1, 'give a reason').max(500);

/** Why a staff cancel or a refund was refused, in `error.details.reason` of a CONFLICT answer (nothing changed). */
export const RefundRefusal = z.enum([
  /** The order's payment is in flight: it cannot be cancelled; once it is paid a refund can be requested. */
  'PAYMENT_IN_FLIGHT',
  /** The order is not paid (or not any more): nothing to refund. */
  'NOT_PAID',
  /** The order already ended unpaid (failed, expired, cancelled) or is paid: nothing to cancel. */
  'NOT_CANCELLABLE',
  /** The refund would take back more than was paid (or more units than were bought), counting refunds in flight. */
  'EXCEEDS_PAID',
  /** The same idempotency key was used for another refund request. */
  'IDEMPOTENCY_KEY_REUSED',
  /** The refund request was decided already. */
  'ALREADY_DECIDED',
  /** The buyer's refund window (REFUND_REQUEST_WINDOW_MS after payment) has passed. */
  'WINDOW_CLOSED',
  /** The order has an open refund request already. */
  'REQUEST_OPEN',
]);
export type RefundRefusal = z.infer<typeof RefundRefusal>;

/** POST /api/orders/:orderId/staff-cancel: shop staff or room managers cancel an unpaid order. */
export const StaffCancelBody = z.strictObject({ reason: MoneyReason });
export type StaffCancelBody = z.infer<typeof StaffCancelBody>;

/** A client's idempotency key for a refund: the same key and request refunds once, however often it is sent. */
export const RefundIdempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 chars of A-Z a-z 0-9 _ -');

/**
 * POST /api/orders/:orderId/refunds. Exactly one of: `full: true` (everything not refunded yet), `quantity` (units, at
 * the order's unit price), `amount` (minor units). `restock` (with `full` or `quantity` only) puts the units back into
 * the shop SKU's stock once the refund succeeded.
 */
export const CreateRefundBody = z
  .strictObject({
    idempotencyKey: RefundIdempotencyKey,
    reason: MoneyReason,
    full: z.literal(true).optional(),
    quantity: z.number().int().min(1).max(999).optional(),
    amount: z.number().int().min(1).max(1_000_000_000_000).optional(),
    restock: z.boolean().optional(),
  })
  .refine((b) => [b.full, b.quantity, b.amount].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of full, quantity, amount',
  })
  .refine((b) => !b.restock || b.amount === undefined, {
    message: 'restock returns units: refund by quantity (or in full) to restock',
    path: ['restock'],
  });
export type CreateRefundBody = z.infer<typeof CreateRefundBody>;

export const RefundStatus = z.enum(['requested', 'succeeded', 'failed']);
export type RefundStatus = z.infer<typeof RefundStatus>;

/**
 * One refund of an order. `requested`: sent (or being sent) to the gateway, outcome not known yet. `kind`: `merchant`
 * (the shop refunded), `buyer_request` (an approved request), `gateway` (made at the payment provider, outside Hawker,
 * and recorded from its confirmed webhook: money only, nothing restocked; actor `gateway`).
 */
export const Refund = z.object({
  id: Id,
  orderId: Id,
  kind: z.enum(['merchant', 'buyer_request', 'gateway']),
  amount: z.number().int(),
  /** Units refunded (0: a refund by amount). */
  quantity: z.number().int(),
  currency: z.string(),
  reason: z.string(),
  status: RefundStatus,
  restock: z.boolean(),
  restocked: z.boolean(),
  failureReason: z.string().nullable(),
  actor: z.string(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Refund = z.infer<typeof Refund>;

/** POST /api/orders/:orderId/refunds answer: the refund, and whether this key had been used before (a replay). */
export const RefundResult = z.object({ refund: Refund, replayed: z.boolean() });
export type RefundResult = z.infer<typeof RefundResult>;

/** GET /api/orders/:orderId/refunds: the order's refunds, oldest first, with its totals. */
export const OrderRefunds = z.object({
  orderId: Id,
  amount: z.number().int(),
  quantity: z.number().int(),
  currency: z.string(),
  refundedAmount: z.number().int(),
  refundedQuantity: z.number().int(),
  /** Requested refunds whose outcome is not known yet. */
  pendingAmount: z.number().int(),
  refunds: z.array(Refund),
});
export type OrderRefunds = z.infer<typeof OrderRefunds>;

/** POST /api/orders/:orderId/refund-requests: the buyer asks for (part of) a paid order back. */
export const CreateRefundRequestBody = z.strictObject({
  reason: MoneyReason,
  /** Units asked back; unset: the whole order. */
  quantity: z.number().int().min(1).max(999).optional(),
});
export type CreateRefundRequestBody = z.infer<typeof CreateRefundRequestBody>;

export const RefundRequestParams = z.strictObject({ requestId: Id });

export const RefundRequest = z.object({
  id: Id,
  orderId: Id,
  buyerId: Id,
  reason: z.string(),
  /** Units asked back (0: the whole order). */
  quantity: z.number().int(),
  status: z.enum(['open', 'approved', 'rejected']),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable(),
  refundId: Id.nullable(),
  createdAt: EpochMs,
  decidedAt: EpochMs.nullable(),
});
export type RefundRequest = z.infer<typeof RefundRequest>;

/** POST /api/refund-requests/:requestId/approve: executes the refund (optionally restocking the units). */
export const ApproveRefundRequestBody = z.strictObject({ restock: z.boolean().optional() });
export type ApproveRefundRequestBody = z.infer<typeof ApproveRefundRequestBody>;

/** POST /api/refund-requests/:requestId/reject. */
export const RejectRefundRequestBody = z.strictObject({ reason: MoneyReason });
export type RejectRefundRequestBody = z.infer<typeof RejectRefundRequestBody>;

/** Approve answer: the request, and the refund it made. */
export const ApprovedRefundRequest = z.object({ request: RefundRequest, refund: Refund });
export type ApprovedRefundRequest = z.infer<typeof ApprovedRefundRequest>;

/** GET /api/orders/:orderId/refund-requests. */
export const RefundRequestList = z.object({ requests: z.array(RefundRequest) });
export type RefundRequestList = z.infer<typeof RefundRequestList>;

/** GET /api/shops/:shopId/refund-requests: newest first, optionally of one status (`open`: the ones to answer). */
export const ListShopRefundRequestsQuery = z.strictObject({
  status: z.enum(['open', 'approved', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(256).optional(),
});
export type ListShopRefundRequestsQuery = z.infer<typeof ListShopRefundRequestsQuery>;

export const RefundRequestPage = z.object({ requests: z.array(RefundRequest), nextCursor: z.string().nullable() });
export type RefundRequestPage = z.infer<typeof RefundRequestPage>;

/**
 * Money and fulfilment actions written to the merchant audit trail (beside the export and webhook actions already
 * there).
 */
export const MONEY_AUDIT_ACTIONS = [
  'order.cancelled_by_staff',
  'refund.requested',
  'refund.succeeded',
  'refund.failed',
  /** A refund's restock could not happen (the SKU is at its stock cap): the refund stands, the units stay sold. */
  'refund.restock_dropped',
  'refund_request.created',
  'refund_request.approved',
  'refund_request.rejected',
  /** Fulfilment steps taken by staff (details: carrier, trackingNumber, reason). */
  'order.shipped',
  'order.delivered',
] as const;

/**
 * GET /api/merchant-audit: exactly one scope (a shop or a room), newest first, optionally in [from, to) and for one
 * action.
 */
export const MerchantAuditQuery = z
  .strictObject({
    shopId: Id.optional(),
    roomId: Id.optional(),
    from: z.coerce.number().pipe(EpochMs).optional(),
    to: z.coerce.number().pipe(EpochMs).optional(),
    action: z
      .string()
      .regex(/^[a-z_]{1,32}\.[a-z_]{1,32}$/, 'an action such as refund.succeeded')
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z
      .string()
      .regex(/^[0-9]{1,18}$/, 'a cursor this server returned')
      .optional(),
  })
  .refine((q) => (q.shopId === undefined) !== (q.roomId === undefined), { message: 'give exactly one of shopId, roomId' })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['from'] });
export type MerchantAuditQuery = z.infer<typeof MerchantAuditQuery>;

export const MerchantAuditEntry = z.object({
  id: z.string(),
  scope: z.enum(['shop', 'agency', 'room']),
  scopeId: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  at: EpochMs,
});
export type MerchantAuditEntry = z.infer<typeof MerchantAuditEntry>;

export const MerchantAuditPage = z.object({ entries: z.array(MerchantAuditEntry), nextCursor: z.string().nullable() });
export type MerchantAuditPage = z.infer<typeof MerchantAuditPage>;

/** Pushed to the buyer (all their sockets) when a refund of one of their orders is requested, succeeds or fails. */
export const OrderRefundUpdated = z.object({
  orderId: Id,
  refundId: Id,
  status: RefundStatus,
  amount: z.number().int(),
  quantity: z.number().int(),
  /** The order's refunded total after this change. */
  refundedAmount: z.number().int(),
  updatedAt: EpochMs,
});
export type OrderRefundUpdated = z.infer<typeof OrderRefundUpdated>;
