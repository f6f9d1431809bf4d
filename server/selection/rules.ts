/**
 * The rate precedence of selection, as a pure function of what the store read (test/unit/selection-precedence.test.ts
 * covers every branch). One rule, used by termsFor and by the selection market alike.
 */
import type { RateBps, SellerTerms } from './terms.ts';

/** What decides one seller's terms on one product, as read in one query. */
export interface TermsFacts {
  /** The seller is the product's shop owner. */
  ownShop: boolean;
  /** The product exists and is active (archived products are never open, not even to their own shop's owner). */
  active: boolean;
  /** The rate of an offer to this creator by name, if any. */
  creatorOfferBps: RateBps | null;
  /** The rate of an offer to the seller's agency, if any. */
  agencyOfferBps: RateBps | null;
  /** The product's open plan, if any. */
  plan: { rateBps: RateBps | null; requiresApproval: boolean } | null;
  /** The seller's application to that plan, if any. */
  application: 'pending' | 'approved' | 'refused' | null;
  /** The shop's default rate, if set. */
  defaultBps: RateBps | null;
}

/**
 * own shop (no commission) > targeted offer to the creator > targeted offer to their agency > the open plan (approved
 * application when it requires one) at its own rate, else the shop's default. Null: not open to this seller.
 */
export function decideTerms(f: TermsFacts): SellerTerms | null {
  if (!f.active) return null;
  if (f.ownShop) return { rateBps: null, source: 'own-shop' };
  if (f.creatorOfferBps !== null) return { rateBps: f.creatorOfferBps, source: 'targeted' };
  if (f.agencyOfferBps !== null) return { rateBps: f.agencyOfferBps, source: 'targeted' };
  if (!f.plan) return null;
  if (f.plan.requiresApproval && f.application !== 'approved') return null;
  if (f.plan.rateBps !== null) return { rateBps: f.plan.rateBps, source: 'plan' };
  // A plan without its own rate pays the default; a default is never cleared once set, so this is only a safeguard.
  return f.defaultBps !== null ? { rateBps: f.defaultBps, source: 'shop-default' } : null;
}

/** The rate the open plan would pay (its own, else the shop's default), whoever asks. */
export function planRate(plan: { rateBps: RateBps | null } | null, defaultBps: RateBps | null): RateBps | null {
  return plan ? (plan.rateBps ?? defaultBps) : null;
}
