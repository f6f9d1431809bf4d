import { Router } from 'express';
import {
  ApplySelectionBody,
  ListSelectionApplicationsQuery,
  PutSelectionOfferBody,
  PutSelectionPlanBody,
  PutSelectionSettingsBody,
  SelectionApplicationParams,
  SelectionListQuery,
  SelectionOfferParams,
  SettlementParams,
  SettlementQuery,
  ShopParams,
  ShopProductIdParams,
} from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { SelectionService } from './service.ts';
import type { SettlementService } from './settlement.ts';

/** REST for selection (docs/commerce.md, "Selection") and settlement statements ("Commissions and settlement"). */
export function selectionRoutes(selection: SelectionService, settlement: SettlementService, { rest }: Auth): Router {
  const r = Router();
  // A shop's default rate.
  r.get(
    '/api/shops/:shopId/selection/settings',
    rest({ params: ShopParams }, ({ params, principal }) => selection.settings(principal, params.shopId)),
  );
  r.put(
    '/api/shops/:shopId/selection/settings',
    rest({ params: ShopParams, body: PutSelectionSettingsBody }, ({ params, body, principal }) =>
      selection.putSettings(principal, params.shopId, body.defaultRateBps),
    ),
  );
  // Open plans, one per product.
  r.put(
    '/api/products/:productId/selection-plan',
    rest({ params: ShopProductIdParams, body: PutSelectionPlanBody }, ({ params, body, principal }) =>
      selection.putPlan(principal, params.productId, body),
    ),
  );
  r.delete(
    '/api/products/:productId/selection-plan',
    rest({ params: ShopProductIdParams }, ({ params, principal }) => selection.deletePlan(principal, params.productId)),
  );
  r.get(
    '/api/shops/:shopId/selection/plans',
    rest({ params: ShopParams, query: SelectionListQuery }, ({ params, query, principal }) =>
      selection.listPlans(principal, params.shopId, query),
    ),
  );
  // Targeted offers.
  r.post(
    '/api/shops/:shopId/selection/offers',
    rest({ params: ShopParams, body: PutSelectionOfferBody }, ({ params, body, principal }) =>
      selection.putOffer(principal, params.shopId, body),
    ),
  );
  r.get(
    '/api/shops/:shopId/selection/offers',
    rest({ params: ShopParams, query: SelectionListQuery }, ({ params, query, principal }) =>
      selection.listOffers(principal, params.shopId, query),
    ),
  );
  r.delete(
    '/api/selection/offers/:offerId',
    rest({ params: SelectionOfferParams }, ({ params, principal }) => selection.deleteOffer(principal, params.offerId)),
  );
  // Applications.
  r.post(
    '/api/products/:productId/selection-plan/applications',
    rest({ params: ShopProductIdParams, body: ApplySelectionBody, status: 201 }, ({ params, body, principal }) =>
      selection.apply(principal, params.productId, body),
    ),
  );
  r.get(
    '/api/shops/:shopId/selection/applications',
    rest({ params: ShopParams, query: ListSelectionApplicationsQuery }, ({ params, query, principal }) =>
      selection.shopApplications(principal, params.shopId, query),
    ),
  );
  r.get(
    '/api/me/selection/applications',
    rest({ query: ListSelectionApplicationsQuery }, ({ query, principal }) => selection.myApplications(principal, query)),
  );
  r.post(
    '/api/selection/applications/:applicationId/approve',
    rest({ params: SelectionApplicationParams }, ({ params, principal }) => selection.decide(principal, params.applicationId, 'approved')),
  );
  r.post(
    '/api/selection/applications/:applicationId/refuse',
    rest({ params: SelectionApplicationParams }, ({ params, principal }) => selection.decide(principal, params.applicationId, 'refused')),
  );
  // The selection market: what the caller may sell, at what rate.
  r.get(
    '/api/selection/market',
    rest({ query: SelectionListQuery }, ({ query, principal }) => selection.market(principal, query)),
  );
  // Settlement statements: JSON, or CSV with format=csv or a .csv path.
  r.get(
    '/api/settlements/:party/:id',
    rest({ params: SettlementParams, query: SettlementQuery }, async ({ params, query, principal, res }) => {
      const { id, csv } = params.id;
      if (csv || query.format === 'csv') {
        await settlement.csv(principal, params.party, id, query, res);
        return undefined;
      }
      return settlement.statement(principal, params.party, id, query);
    }),
  );
  return r;
}
