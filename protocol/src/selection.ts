/**
 * Selection (选品) and commission settlement (docs/commerce.md, "Selection" and "Commissions and settlement"): a shop
 * opens products to creators at a commission (an open plan, optionally by approval, and targeted offers to named
 * creators or agencies); each paid order line records its commission in the ledger; statements per shop, creator and
 * agency sum the ledger exactly.
 *
 * Rates are whole basis points of a line's amount (1 bp = 0.01 %, 10,000 bp = 100 %). The server accepts only rates
 * within its configured range (COMMISSION_MIN_BPS..COMMISSION_MAX_BPS, by default 100..8000, i.e. 1-80 %): outside it,
 * BAD_REQUEST with `details.limit` naming the bound. Money is integer minor units with an ISO 4217 currency.
 */
import { z } from 'zod';
import { Currency } from './commerce.ts';
import { EpochMs, Id } from './common.ts';
import { LongText } from './shops.ts';

/** A commission rate in basis points (the schema's hard range; the server's configured range is narrower). */
export const RateBps = z.number().int().min(0).max(10_000);

/** Why a rate applies, from the most to the least specific (server/selection/terms.ts). */
export const TermsSource = z.enum(['own-shop', 'targeted', 'plan', 'shop-default']);

// ---------------------------------------------------------------------------------------------------------------------
// Shop default rate

/** PUT /api/shops/:shopId/selection/settings. */
export const PutSelectionSettingsBody = z.strictObject({ defaultRateBps: RateBps });
export type PutSelectionSettingsBody = z.infer<typeof PutSelectionSettingsBody>;

/** A shop's selection settings: its default rate (null until set; plans without their own rate need one). */
export const SelectionSettings = z.object({
  shopId: Id,
  defaultRateBps: RateBps.nullable(),
  updatedAt: EpochMs.nullable(),
});
export type SelectionSettings = z.infer<typeof SelectionSettings>;

// ---------------------------------------------------------------------------------------------------------------------
// Open plans (one per product)

/**
 * PUT /api/products/:productId/selection-plan: opens the product to every creator (or updates its plan). Without
 * `rateBps` (or null) the plan pays the shop's default rate, which must then be set. With `requiresApproval`, creators
 * apply and the shop approves each.
 */
export const PutSelectionPlanBody = z.strictObject({
  rateBps: RateBps.nullable().optional(),
  requiresApproval: z.boolean().default(false),
});
export type PutSelectionPlanBody = z.infer<typeof PutSelectionPlanBody>;

export const SelectionPlan = z.object({
  productId: Id,
  shopId: Id,
  /** The plan's own rate; null: the shop's default. */
  rateBps: RateBps.nullable(),
  /** What a creator earns through the plan now (its rate, or the shop's default). */
  effectiveRateBps: RateBps.nullable(),
  requiresApproval: z.boolean(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type SelectionPlan = z.infer<typeof SelectionPlan>;

/** Cursor-paged listing query of the selection reads. */
export const SelectionListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});
export type SelectionListQuery = z.infer<typeof SelectionListQuery>;

export const SelectionPlanList = z.object({ plans: z.array(SelectionPlan), nextCursor: z.string().nullable() });
export type SelectionPlanList = z.infer<typeof SelectionPlanList>;

// ---------------------------------------------------------------------------------------------------------------------
// Targeted offers

export const OfferTarget = z.strictObject({ kind: z.enum(['creator', 'agency']), id: Id });
export type OfferTarget = z.infer<typeof OfferTarget>;

/**
 * POST /api/shops/:shopId/selection/offers: offers `rateBps` on `productId` to one creator or to every creator of one
 * agency. Offering again to the same (product, target) replaces the rate.
 */
export const PutSelectionOfferBody = z.strictObject({ productId: Id, target: OfferTarget, rateBps: RateBps });
export type PutSelectionOfferBody = z.infer<typeof PutSelectionOfferBody>;

export const SelectionOffer = z.object({
  id: Id,
  shopId: Id,
  productId: Id,
  target: OfferTarget,
  rateBps: RateBps,
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type SelectionOffer = z.infer<typeof SelectionOffer>;

export const SelectionOfferList = z.object({ offers: z.array(SelectionOffer), nextCursor: z.string().nullable() });
export type SelectionOfferList = z.infer<typeof SelectionOfferList>;

export const SelectionOfferParams = z.strictObject({ offerId: Id });

// ---------------------------------------------------------------------------------------------------------------------
// Applications

/**
 * POST /api/products/:productId/selection-plan/applications: a creator applies for themself (no `creatorId`, or their
 * own), or their agency's owner or moderator applies for a creator on its roster (`creatorId`).
 */
export const ApplySelectionBody = z.strictObject({
  creatorId: Id.optional(),
  /** A word to the merchant (plain text). */
  note: LongText(500).optional(),
});
export type ApplySelectionBody = z.infer<typeof ApplySelectionBody>;

export const SelectionApplicationStatus = z.enum(['pending', 'approved', 'refused']);
export type SelectionApplicationStatus = z.infer<typeof SelectionApplicationStatus>;

export const SelectionApplication = z.object({
  id: Id,
  productId: Id,
  shopId: Id,
  creatorId: Id,
  appliedBy: Id,
  note: z.string(),
  status: SelectionApplicationStatus,
  decidedBy: Id.nullable(),
  decidedAt: EpochMs.nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type SelectionApplication = z.infer<typeof SelectionApplication>;

export const SelectionApplicationParams = z.strictObject({ applicationId: Id });

export const ListSelectionApplicationsQuery = SelectionListQuery.extend({ status: SelectionApplicationStatus.optional() });
export type ListSelectionApplicationsQuery = z.infer<typeof ListSelectionApplicationsQuery>;

export const SelectionApplicationList = z.object({
  applications: z.array(SelectionApplication),
  nextCursor: z.string().nullable(),
});
export type SelectionApplicationList = z.infer<typeof SelectionApplicationList>;

// ---------------------------------------------------------------------------------------------------------------------
// The selection market (a creator's read)

/**
 * One product of the selection market: open to the caller at `rateBps` (`access: 'open'`), or in a plan that requires
 * approval (`access` says where the caller's application stands; `rateBps` is what it would pay once approved).
 */
export const SelectionMarketItem = z.object({
  productId: Id,
  shopId: Id,
  shopName: z.string(),
  title: z.string(),
  image: z.string(),
  category: z.string(),
  currency: Currency,
  rateBps: RateBps,
  source: TermsSource,
  access: z.enum(['open', 'apply', 'pending', 'refused']),
});
export type SelectionMarketItem = z.infer<typeof SelectionMarketItem>;

export const SelectionMarket = z.object({ items: z.array(SelectionMarketItem), nextCursor: z.string().nullable() });
export type SelectionMarket = z.infer<typeof SelectionMarket>;

// ---------------------------------------------------------------------------------------------------------------------
// Settlement statements

/** Whose statement: a shop (merchant), a creator, or an agency. */
export const SettlementParty = z.enum(['merchant', 'creator', 'agency']);
export type SettlementParty = z.infer<typeof SettlementParty>;

/** Longest statement period. */
export const SETTLEMENT_MAX_DAYS = 366;

/** GET /api/settlements/:party/:id (a shop id for `merchant`); `:id.csv` answers CSV like `format=csv`. */
export const SettlementParams = z.strictObject({
  party: SettlementParty,
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}(\.csv)?$/, 'must be an id, optionally followed by .csv')
    .transform((s) => (s.endsWith('.csv') ? { id: s.slice(0, -4), csv: true } : { id: s, csv: false })),
});

/**
 * The period is [from, to) in epoch milliseconds, by payment time, at most SETTLEMENT_MAX_DAYS long. JSON is paged
 * (`limit`, `cursor`; the totals always cover the whole period); CSV holds every line.
 */
export const SettlementQuery = z.strictObject({
  from: z.coerce.number().int().min(0).max(8_640_000_000_000_000),
  to: z.coerce.number().int().min(0).max(8_640_000_000_000_000),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export type SettlementQuery = z.infer<typeof SettlementQuery>;

/**
 * One paid order line. `refunded` is the line's share of the order's succeeded refunds up to the period's end (the
 * order's refunds spread over its lines by amount, exactly); `commissionReversed` is what those refunds took back.
 */
export const SettlementLine = z.object({
  orderId: Id,
  lineNo: z.number().int(),
  paidAt: EpochMs,
  channel: z.string(),
  roomId: Id.nullable(),
  shopId: Id.nullable(),
  creatorId: Id.nullable(),
  agencyId: Id.nullable(),
  productId: Id,
  skuId: Id,
  title: z.string(),
  quantity: z.number().int(),
  currency: Currency,
  amount: z.number().int(),
  refunded: z.number().int(),
  commissionRateBps: RateBps.nullable(),
  commissionEarned: z.number().int(),
  commissionReversed: z.number().int(),
  /** commissionEarned - commissionReversed. */
  netCommission: z.number().int(),
  /** amount - refunded - netCommission. */
  netToMerchant: z.number().int(),
});
export type SettlementLine = z.infer<typeof SettlementLine>;

/** The sums of a statement's lines in one currency. */
export const SettlementTotals = z.object({
  currency: Currency,
  lines: z.number().int(),
  quantity: z.number().int(),
  amount: z.number().int(),
  refunded: z.number().int(),
  commissionEarned: z.number().int(),
  commissionReversed: z.number().int(),
  netCommission: z.number().int(),
  netToMerchant: z.number().int(),
});
export type SettlementTotals = z.infer<typeof SettlementTotals>;

export const Settlement = z.object({
  party: SettlementParty,
  id: Id,
  from: EpochMs,
  to: EpochMs,
  lines: z.array(SettlementLine),
  /** One row per currency, over the whole period (every page). */
  totals: z.array(SettlementTotals),
  nextCursor: z.string().nullable(),
});
export type Settlement = z.infer<typeof Settlement>;
