import { Router } from 'express';
import { ShopParams, ShopProductIdParams, StorefrontAgencyParams, StorefrontCreatorParams, StorefrontListQuery } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { StorefrontService } from './service.ts';

export {
  StorefrontService,
  STOREFRONT_AGENCY_CREATORS,
  STOREFRONT_CREATOR_PRODUCTS,
  type AgencyDirectory,
  type CreatorRooms,
  type FollowerCount,
  type RoomProducts,
} from './service.ts';

/** REST for storefronts: every read is public (auth: false), so storefront and product links work signed out. */
export function storefrontRoutes(s: StorefrontService, { rest }: Auth): Router {
  const r = Router();
  r.get(
    '/api/storefront/shops/:shopId',
    rest({ params: ShopParams, query: StorefrontListQuery, auth: false }, ({ params, query }) => s.shop(params.shopId, query)),
  );
  r.get(
    '/api/storefront/creators/:creatorId',
    rest({ params: StorefrontCreatorParams, auth: false }, ({ params }) => s.creator(params.creatorId)),
  );
  r.get(
    '/api/storefront/agencies/:agencyId',
    rest({ params: StorefrontAgencyParams, auth: false }, ({ params }) => s.agency(params.agencyId)),
  );
  r.get(
    '/api/storefront/products/:productId',
    rest({ params: ShopProductIdParams, auth: false }, ({ params }) => s.product(params.productId)),
  );
  return r;
}

/** The storefronts domain (issue 19): public pages of shops, creators and agencies, and product detail outside rooms. */
export function createStorefront(ctx: HawkerContext, auth: Auth, service: StorefrontService): Domain & { service: StorefrontService } {
  ctx.app.use(storefrontRoutes(service, auth));
  return { name: 'storefront', service, close: async () => {} };
}
