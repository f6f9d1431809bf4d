/**
 * Crowd assets and post-live reports (issue 19, items 4 and 5; docs/centre-field.md, "Crowd assets" and "Report"):
 * every known person's stage per creator, agency and shop (merchant), the flows between stages, conversion by traffic
 * source, the per-stage export, deletion requests, and the per-room report.
 */
import { z } from 'zod';
import { EpochMs, Id } from './common.ts';

/** Where a person came from: a live, a replay, a clip, search, a follow notice, a storefront. */
export const CrowdSource = z.enum(['live', 'replay', 'clip', 'search', 'follow_notice', 'storefront']);
export type CrowdSource = z.infer<typeof CrowdSource>;
export const CROWD_SOURCES = CrowdSource.options;

/** 种草 interested, 拉新 first purchase, 复购 repeat purchase (2+ paid orders), lapsed (no activity for N days). */
export const CrowdStage = z.enum(['interested', 'first', 'repeat', 'lapsed']);
export type CrowdStage = z.infer<typeof CrowdStage>;
export const CROWD_STAGES = CrowdStage.options;

/** Whose crowd: a creator's, an agency's or a shop's (the merchant's). */
export const CrowdScopeKind = z.enum(['creator', 'agency', 'shop']);
export type CrowdScopeKind = z.infer<typeof CrowdScopeKind>;

/** The widest date range one crowd reading covers (CROWD_RANGE_MAX_DAYS). */
export const CROWD_RANGE_MAX_DAYS = 92;

/** A UTC calendar day, YYYY-MM-DD. */
export const DayString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'must be a real day',
  );

/** GET /api/crowd/:kind/:id params. */
export const CrowdParams = z.strictObject({ kind: CrowdScopeKind, id: Id });
export type CrowdParams = z.infer<typeof CrowdParams>;

/** GET /api/crowd/:kind/:id?from=&to=&period= (defaults: the 30 days up to today, by day). */
export const CrowdQuery = z.strictObject({
  from: DayString.optional(),
  to: DayString.optional(),
  period: z.enum(['day', 'week']).default('day'),
});
export type CrowdQuery = z.infer<typeof CrowdQuery>;

/** GET /api/crowd/:kind/:id/people.csv?stage=&at= (the list of people in one stage on a day, default today). */
export const CrowdPeopleQuery = z.strictObject({ stage: CrowdStage, at: DayString.optional() });
export type CrowdPeopleQuery = z.infer<typeof CrowdPeopleQuery>;

/** Stage sizes at the end of one day. */
export const CrowdStageSizes = z.object({
  day: z.string(),
  interested: z.number().int(),
  first: z.number().int(),
  repeat: z.number().int(),
  lapsed: z.number().int(),
});
export type CrowdStageSizes = z.infer<typeof CrowdStageSizes>;

/** What moved in one period (a day, or a week starting on Monday): stage at its end against stage before it. */
export const CrowdFlow = z.object({
  /** The period's first day. */
  start: z.string(),
  /** Nobody before, interested now. */
  newInterested: z.number().int(),
  /** Interested (or lapsed without a purchase) before, a buyer now: 拉新. */
  converted: z.number().int(),
  /** A buyer before who paid again within the period: 复购. */
  returned: z.number().int(),
  /** Active before, lapsed now. */
  lapsed: z.number().int(),
  /** Lapsed before, active now. */
  revived: z.number().int(),
});
export type CrowdFlow = z.infer<typeof CrowdFlow>;

/** People who came through one traffic source in the range, and how many of them paid in the scope in the range. */
export const CrowdSourceConversion = z.object({
  source: CrowdSource,
  people: z.number().int(),
  buyers: z.number().int(),
  /** Paid orders in the range placed through this channel (the ledger's `channel`; search and follow notices: 0). */
  paidOrders: z.number().int(),
});
export type CrowdSourceConversion = z.infer<typeof CrowdSourceConversion>;

/** GET /api/crowd/:kind/:id */
export const CrowdOverview = z.object({
  kind: CrowdScopeKind,
  id: Id,
  from: z.string(),
  to: z.string(),
  period: z.enum(['day', 'week']),
  /** Seconds of watching that make a person interested (CROWD_MIN_WATCH_SECONDS). */
  minWatchSeconds: z.number().int(),
  /** Days without activity after which a person is lapsed (CROWD_LAPSED_DAYS). */
  lapsedDays: z.number().int(),
  stages: z.array(CrowdStageSizes),
  flows: z.array(CrowdFlow),
  sources: z.array(CrowdSourceConversion),
});
export type CrowdOverview = z.infer<typeof CrowdOverview>;

/**
 * POST /api/crowd/touch: what a page reports that no socket event carries (a visit and where from; replay or clip
 * watching; a product opened outside a live: on a replay or a clip). In a live room, watch time comes from the socket
 * (join and leave) and product clicks from `product:click`: pages do not touch for those.
 */
export const CrowdTouchBody = z
  .strictObject({
    kind: z.enum(['visit', 'watch', 'click']),
    source: CrowdSource,
    roomId: Id.optional(),
    creatorId: Id.optional(),
    shopId: Id.optional(),
    /** `watch` only: seconds watched since the last report (at most 300). */
    seconds: z.number().int().min(1).max(300).optional(),
    /** `click` only: the product opened (a room's product with `roomId`, else a shop product). */
    productId: Id.optional(),
  })
  .refine((b) => b.roomId || b.creatorId || b.shopId, 'name a roomId, creatorId or shopId')
  .refine((b) => (b.kind === 'watch') === (b.seconds !== undefined), 'seconds goes with kind "watch", and only with it')
  .refine((b) => (b.kind === 'click') === (b.productId !== undefined), 'productId goes with kind "click", and only with it');
export const CrowdTouchResult = z.object({ recorded: z.boolean() });
export type CrowdTouchResult = z.infer<typeof CrowdTouchResult>;
export type CrowdTouchBody = z.infer<typeof CrowdTouchBody>;

/** POST /api/admin/crowd/erasures: an admin erases a person on their request. */
export const CrowdErasureBody = z.strictObject({ userId: Id });
export type CrowdErasureBody = z.infer<typeof CrowdErasureBody>;

/** What an erasure did. */
export const CrowdErasureResult = z.object({
  erased: z.literal(true),
  /** False when this person had been erased before (the request changes nothing more). */
  first: z.boolean(),
  /** Ledger rows (orders, refund requests, order events) that now carry the pseudonym in place of the person. */
  ledgerRows: z.number().int(),
  /** Crowd rows (per-day facts, room viewers) removed. */
  crowdRows: z.number().int(),
});
export type CrowdErasureResult = z.infer<typeof CrowdErasureResult>;

/** GET /api/rooms/:roomId/report: the post-live report; money figures are the ledger's. */
export const RoomReport = z.object({
  roomId: Id,
  title: z.string(),
  creatorId: Id,
  status: z.string(),
  startedAt: EpochMs.nullable(),
  endedAt: EpochMs.nullable(),
  viewers: z.object({ peak: z.number().int(), average: z.number(), total: z.number().int() }),
  watchSeconds: z.number().int(),
  likes: z.number().int(),
  newFollowers: z.number().int(),
  productClicks: z.number().int(),
  orders: z.number().int(),
  paidOrders: z.number().int(),
  /** Paid orders' amounts per currency (before refunds), minor units. */
  gmv: z.record(z.string(), z.number().int()),
  /** Refunded amounts of those orders per currency. */
  refunds: z.record(z.string(), z.number().int()),
  /** view → click → order → paid, in distinct people. */
  funnel: z.object({ viewers: z.number().int(), clickers: z.number().int(), buyers: z.number().int(), payers: z.number().int() }),
  /** Payers whose first paid order from this creator was in this room, and those who had paid before. */
  buyers: z.object({ new: z.number().int(), repeat: z.number().int() }),
  sources: z.array(z.object({ source: CrowdSource, viewers: z.number().int() })),
  /** The chart's currency (the one with the most GMV) and its per-minute series. */
  currency: z.string().nullable(),
  minutes: z.array(z.object({ at: EpochMs, viewers: z.number().int(), paidOrders: z.number().int(), gmv: z.number().int() })),
  markers: z.array(z.object({ at: EpochMs, kind: z.enum(['pin', 'sale']), productId: z.string().nullable() })),
});
export type RoomReport = z.infer<typeof RoomReport>;
