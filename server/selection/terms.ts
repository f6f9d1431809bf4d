/**
 * The contract between selection (选品: which creator may sell which shop product, at what commission) and the
 * domains that sell: the catalog asks it before a product joins a room's list, orders ask it when a line is placed
 * and fix the answer on the line (order_lines.commission_rate_bps, docs/commerce.md "Commissions").
 */

/** Basis points: 1 bp = 0.01 %, so 10,000 bp = 100 %. Commission rates are whole basis points. */
export type RateBps = number;

/** Why a rate applies, from the most to the least specific. */
export type TermsSource = 'own-shop' | 'targeted' | 'plan' | 'shop-default';

/** The terms on which one creator may sell one product. */
export interface SellerTerms {
  /** The commission on each line, in basis points of the line amount; null for the creator's own shop (no commission). */
  rateBps: RateBps | null;
  source: TermsSource;
}

/** Who wants to sell: a creator, and the agency they are on the roster of (if any), which earns through them. */
export interface Seller {
  creatorId: string;
  agencyId: string | null;
}

/** What selection answers. */
export interface SelectionTerms {
  /**
   * The terms on which `seller` may sell `productId` of shop `shopId` now, or null when the product is not open to them
   * (no plan covers it, their application is pending or refused, the product is archived...).
   */
  termsFor(seller: Seller, product: { shopId: string; productId: string; shopOwnerId: string }): Promise<SellerTerms | null>;
}

/**
 * Terms before any selection plan exists: a creator may sell their own shop's products (no commission) and nothing
 * else. The selection domain's real rules replace it in server/domains.ts.
 */
export const ownShopOnly: SelectionTerms = {
  async termsFor(seller, product) {
    return seller.creatorId === product.shopOwnerId ? { rateBps: null, source: 'own-shop' } : null;
  },
};

/** A line's commission: owned by the ledger, whose order_lines_commission_exact check says the same. */
export { commissionAmount } from '../ledger/commission.ts';
