/**
 * Merchant operations (issue 16, docs/commerce.md "Exports and webhooks"): CSV exports of orders and refunds, and
 * signed outbound webhooks per shop or agency.
 */
import { z } from 'zod';
import { EpochMs, Id } from './common.ts';

// ---------------------------------------------------------------------------------------------------------------------
// Exports

/**
 * GET /api/exports/orders.csv and /api/exports/refunds.csv: exactly one scope (a shop, a room or an agency) and an
 * optional time range [from, to) in epoch milliseconds (orders by creation time, refunds by request time).
 */
export const ExportQuery = z
  .strictObject({
    shopId: Id.optional(),
    roomId: Id.optional(),
    agencyId: Id.optional(),
    from: z.coerce.number().pipe(EpochMs).optional(),
    to: z.coerce.number().pipe(EpochMs).optional(),
  })
  .refine((q) => [q.shopId, q.roomId, q.agencyId].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of shopId, roomId, agencyId',
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: 'from must be before to',
    path: ['from'],
  });
export type ExportQuery = z.infer<typeof ExportQuery>;

// ---------------------------------------------------------------------------------------------------------------------
// Webhooks

/**
 * The events a merchant or agency may subscribe to. `order.*` carry `data.order`; `live.scheduled` and `live.started`
 * (a creator scheduled or started a live that sells the shop's products, or of the agency) carry `data.live`
 * (WebhookLiveData).
 */
export const WEBHOOK_EVENT_TYPES = [
  'order.paid',
  'order.cancelled',
  'order.refunded',
  'order.shipped',
  'order.delivered',
  'live.scheduled',
  'live.started',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/**
 * An endpoint URL: https on a public host (the image-URL host rule, publicHostProblem). The server checks the host;
 * a development server may also allow http on localhost (WEBHOOK_ALLOW_HTTP_LOCALHOST).
 */
export const WebhookUrl = z.string().min(1).max(2048).describe('An https URL on a public host');

/** `data.live` of a `live.scheduled` / `live.started` delivery: the live as it was announced. */
export const WebhookLiveData = z.object({
  roomId: Id,
  title: z.string(),
  creatorId: Id,
  creatorName: z.string(),
  agencyId: z.string().nullable(),
  /** When the live is planned to start (live.scheduled), null when not scheduled. */
  scheduledAt: EpochMs.nullable(),
  /** The room's path on the node (`/room?id=...`), to be joined to the site's origin. */
  path: z.string(),
  /** The shops whose products the room sold when the event was recorded. */
  shopIds: z.array(Id),
});
export type WebhookLiveData = z.infer<typeof WebhookLiveData>;

const WebhookEvents = z
  .array(WebhookEventType)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((a) => new Set(a).size === a.length, { message: 'must not repeat an event type' });

export const CreateWebhookEndpointBody = z
  .strictObject({
    shopId: Id.optional(),
    agencyId: Id.optional(),
    url: WebhookUrl,
    events: WebhookEvents,
    description: z.string().max(200).optional(),
  })
  .refine((b) => (b.shopId === undefined) !== (b.agencyId === undefined), { message: 'give exactly one of shopId, agencyId' });
export type CreateWebhookEndpointBody = z.infer<typeof CreateWebhookEndpointBody>;

/** `enabled: true` re-enables an endpoint the server disabled (its failure streak starts again). */
export const UpdateWebhookEndpointBody = z
  .strictObject({
    url: WebhookUrl.optional(),
    events: WebhookEvents.optional(),
    description: z.string().max(200).nullable().optional(),
    enabled: z.literal(true).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'change at least one field' });
export type UpdateWebhookEndpointBody = z.infer<typeof UpdateWebhookEndpointBody>;

export const ListWebhookEndpointsQuery = z
  .strictObject({ shopId: Id.optional(), agencyId: Id.optional() })
  .refine((q) => (q.shopId === undefined) !== (q.agencyId === undefined), { message: 'give exactly one of shopId, agencyId' });
export type ListWebhookEndpointsQuery = z.infer<typeof ListWebhookEndpointsQuery>;

export const WebhookEndpointParams = z.strictObject({ endpointId: Id });
export const WebhookDeliveryParams = z.strictObject({ deliveryId: Id });

export const ListWebhookDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(256).optional(),
});
export type ListWebhookDeliveriesQuery = z.infer<typeof ListWebhookDeliveriesQuery>;

export const WebhookEndpoint = z.object({
  id: Id,
  scope: z.enum(['shop', 'agency']),
  scopeId: Id,
  url: z.string(),
  events: z.array(WebhookEventType),
  description: z.string().nullable(),
  /** `disabled`: the server stopped delivering after repeated failures (disabledAt, disabledReason); PATCH enabled: true. */
  status: z.enum(['active', 'disabled']),
  disabledAt: EpochMs.nullable(),
  disabledReason: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** Creation and rotation answer: the endpoint and its signing secret, shown this once. */
export const WebhookEndpointWithSecret = z.object({ endpoint: WebhookEndpoint, secret: z.string() });
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const WebhookEndpointList = z.object({ endpoints: z.array(WebhookEndpoint) });
export type WebhookEndpointList = z.infer<typeof WebhookEndpointList>;

export const WebhookDelivery = z.object({
  id: Id,
  endpointId: Id,
  eventId: z.string(),
  type: WebhookEventType,
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastLatencyMs: z.number().int().nullable(),
  lastError: z.string().nullable(),
  redeliveryOf: Id.nullable(),
  createdAt: EpochMs,
  finishedAt: EpochMs.nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryList = z.object({ deliveries: z.array(WebhookDelivery), nextCursor: z.string().nullable() });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryList>;
