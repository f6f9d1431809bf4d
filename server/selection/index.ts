import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { ShopStore } from '../shops/store.ts';
import { selectionRoutes } from './routes.ts';
import { type RosterLookup, SelectionService } from './service.ts';
import { SettlementService } from './settlement.ts';
import { SelectionStore } from './store.ts';

export { SelectionService, type RosterLookup } from './service.ts';
export { SettlementService } from './settlement.ts';
export { SelectionStore } from './store.ts';
export { commissionAmount, ownShopOnly, type SelectionTerms, type Seller, type SellerTerms } from './terms.ts';

/**
 * The selection domain (选品): shops' commission terms (default rate, open plans, targeted offers), creators'
 * applications, the selection market, settlement statements, and `terms` (a SelectionTerms: pass it to the domains
 * that sell in place of `ownShopOnly`). Durable in PostgreSQL on the ledger's pool (migration 0004, which also holds the
 * commission ledger's triggers). REST only; nothing to stop on close.
 */
export function createSelection(ctx: HawkerContext, auth: Auth, roster: RosterLookup): Domain & { terms: SelectionService } {
  const { config } = ctx;
  const shops = new ShopStore(ctx.db);
  const service = new SelectionService(new SelectionStore(ctx.db), shops, roster, {
    COMMISSION_MIN_BPS: config.COMMISSION_MIN_BPS,
    COMMISSION_MAX_BPS: config.COMMISSION_MAX_BPS,
    PLANS_PER_SHOP: config.PLANS_PER_SHOP,
    OFFERS_PER_SHOP: config.OFFERS_PER_SHOP,
    PENDING_APPLICATIONS_PER_CREATOR: config.PENDING_APPLICATIONS_PER_CREATOR,
  });
  ctx.app.use(selectionRoutes(service, new SettlementService(ctx.db, shops), auth));
  return { name: 'selection', terms: service, close: async () => {} };
}
