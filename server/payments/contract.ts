import { z } from 'zod';
import { Currency, EpochMs } from '@hawker/protocol';

/**
 * The payment provider's HTTP contract, as the sandbox gateway serves it and server/payments/gateway.ts speaks it,
 * modelled on common PSPs. Server-only: no Hawker client sees these shapes, so they are not part of @hawker/protocol.
 */

/** POST /v1/charges body; the `Idempotency-Key` header carries the order id. */
export const GatewayChargeRequest = z.strictObject({
  amount: z.number().int().min(1).max(100_000_000_000),
  currency: Currency,
  /** The merchant's reference (Hawker: the order id). */
  reference: z.string().min(1).max(128),
  description: z.string().max(200).optional(),
});
export type GatewayChargeRequest = z.infer<typeof GatewayChargeRequest>;

export const GatewayChargeStatus = z.enum(['succeeded', 'declined', 'cancelled']);
export type GatewayChargeStatus = z.infer<typeof GatewayChargeStatus>;

/** A charge attempt's final record: what the gateway answers and what its ledger holds. */
export const GatewayCharge = z.object({
  id: z.string(),
  idempotencyKey: z.string(),
  reference: z.string(),
  amount: z.number().int(),
  currency: Currency,
  status: GatewayChargeStatus,
  /** Decline code (e.g. card_declined) when status is declined. */
  declineCode: z.string().nullable(),
  createdAt: EpochMs,
  /** Minor units refunded so far (succeeded refunds), never more than `amount`. Absent in older records: 0. */
  refundedAmount: z.number().int().min(0).default(0),
});
export type GatewayCharge = z.infer<typeof GatewayCharge>;

/**
 * GET /v1/charges query: every charge (any status) created in [created_gte, created_lt), ordered by (createdAt, id)
 * ascending; `starting_after` is the last charge id of the previous page (a stable cursor, even within one millisecond).
 */
export const GatewayChargeListQuery = z.strictObject({
  created_gte: z.coerce.number().int().min(0).default(0),
  /** Unset: no upper bound. */
  created_lt: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  starting_after: z.string().min(1).max(128).optional(),
});
export type GatewayChargeListQuery = z.infer<typeof GatewayChargeListQuery>;

/** GET /v1/charges answer: one page; `has_more`: ask again with starting_after = the last id of `data`. */
export const GatewayChargeList = z.object({ data: z.array(GatewayCharge), has_more: z.boolean() });
export type GatewayChargeList = z.infer<typeof GatewayChargeList>;

/** POST /v1/refunds body; the `Idempotency-Key` header makes it safe to retry (same key + same body = one refund). */
export const GatewayRefundRequest = z.strictObject({
  /** The charge's id (ch_...), not its idempotency key. */
  charge: z.string().min(1).max(128),
  /** Minor units; default: what is not refunded yet. */
  amount: z.number().int().min(1).max(100_000_000_000).optional(),
  reason: z.string().max(200).optional(),
});
export type GatewayRefundRequest = z.infer<typeof GatewayRefundRequest>;

export const GatewayRefundStatus = z.enum(['succeeded', 'failed']);
export type GatewayRefundStatus = z.infer<typeof GatewayRefundStatus>;

/** A refund's record: what POST /v1/refunds and GET /v1/refunds/:id answer and what the ledger holds. */
export const GatewayRefund = z.object({
  id: z.string(),
  idempotencyKey: z.string(),
  chargeId: z.string(),
  amount: z.number().int().min(1),
  currency: Currency,
  status: GatewayRefundStatus,
  failureReason: z.string().nullable(),
  createdAt: EpochMs,
});
export type GatewayRefund = z.infer<typeof GatewayRefund>;

const WebhookEventId = z.string().min(1).max(64);

/**
 * A charge webhook: body POSTed to the merchant with `Webhook-Signature: t=<ms>,v1=<hex HMAC-SHA256 of "t.body">`.
 * (The name predates refunds; AnyGatewayWebhookEvent is every event the gateway sends.)
 */
export const GatewayWebhookEvent = z.object({
  id: WebhookEventId,
  type: z.enum(['charge.succeeded', 'charge.declined', 'charge.cancelled']),
  createdAt: EpochMs,
  data: GatewayCharge,
});
export type GatewayWebhookEvent = z.infer<typeof GatewayWebhookEvent>;

/** A refund webhook, signed the same way; `data` is the refund's record. */
export const GatewayRefundWebhookEvent = z.object({
  id: WebhookEventId,
  type: z.literal('refund.succeeded'),
  createdAt: EpochMs,
  data: GatewayRefund,
});
export type GatewayRefundWebhookEvent = z.infer<typeof GatewayRefundWebhookEvent>;

/** Every webhook the gateway sends; `type` tells what `data` is (charge.*: GatewayCharge, refund.*: GatewayRefund). */
export const AnyGatewayWebhookEvent = z.discriminatedUnion('type', [GatewayWebhookEvent, GatewayRefundWebhookEvent]);
export type AnyGatewayWebhookEvent = z.infer<typeof AnyGatewayWebhookEvent>;
