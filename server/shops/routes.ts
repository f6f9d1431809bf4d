import { type RequestHandler, Router } from 'express';
import {
  AdjustStockBody,
  CreateShopBody,
  CreateShopProductBody,
  ListShopProductsQuery,
  ShopParams,
  ShopProductIdParams,
  ShopStaffParams,
  UpdateShopBody,
  UpdateShopProductBody,
} from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { RawBodyRequest } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import type { ShopService } from './service.ts';

/**
 * Refuses a shop product create or edit whose JSON body is over `maxBytes` (SHOP_PRODUCT_MAX_BYTES) with 413 and a
 * BAD_REQUEST naming the limit, before anything is authenticated, parsed or written (the same answer as a room
 * product's PRODUCT_MAX_BYTES). Measured on the bytes received, so padding counts too.
 */
function productBodyLimit(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const size = (req as RawBodyRequest).rawBody?.length ?? 0;
    if (size <= maxBytes) return next();
    res.status(413).json({
      error: AppError.badRequest(
        `Product bodies are at most ${maxBytes} bytes of JSON (SHOP_PRODUCT_MAX_BYTES); this one has ${size}: shorten the description, or add SKUs in several edits`,
        { limit: 'SHOP_PRODUCT_MAX_BYTES', max: maxBytes },
      ).toWire(),
    });
  };
}

/**
 * REST for shops, their staff and their products (docs/commerce.md, "Shops and products"). Reads of a shop and its
 * products are public (auth: false): storefronts and product links work signed out.
 */
export function shopRoutes(shops: ShopService, { rest }: Auth, productMaxBytes: number): Router {
  const r = Router();
  const sized = productBodyLimit(productMaxBytes);
  r.post(
    '/api/shops',
    rest({ body: CreateShopBody, status: 201 }, ({ body, principal }) => shops.createShop(principal, body)),
  );
  r.get(
    '/api/me/shops',
    rest({}, ({ principal }) => shops.myShops(principal)),
  );
  r.get(
    '/api/shops/:shopId',
    rest({ params: ShopParams, auth: false }, ({ params }) => shops.getShop(params.shopId)),
  );
  r.patch(
    '/api/shops/:shopId',
    rest({ params: ShopParams, body: UpdateShopBody }, ({ params, body, principal }) => shops.updateShop(principal, params.shopId, body)),
  );
  r.put(
    '/api/shops/:shopId/staff/:userId',
    rest({ params: ShopStaffParams }, ({ params, principal }) => shops.addStaff(principal, params.shopId, params.userId)),
  );
  r.delete(
    '/api/shops/:shopId/staff/:userId',
    rest({ params: ShopStaffParams }, ({ params, principal }) => shops.removeStaff(principal, params.shopId, params.userId)),
  );
  r.post(
    '/api/shops/:shopId/products',
    sized,
    rest({ params: ShopParams, body: CreateShopProductBody, status: 201 }, ({ params, body, principal }) =>
      shops.createProduct(principal, params.shopId, body),
    ),
  );
  r.get(
    '/api/shops/:shopId/products',
    rest({ params: ShopParams, query: ListShopProductsQuery, auth: false }, ({ params, query }) =>
      shops.listProducts(params.shopId, query),
    ),
  );
  r.get(
    '/api/products/:productId',
    rest({ params: ShopProductIdParams, auth: false }, ({ params }) => shops.getProduct(params.productId)),
  );
  r.patch(
    '/api/products/:productId',
    sized,
    rest({ params: ShopProductIdParams, body: UpdateShopProductBody }, ({ params, body, principal }) =>
      shops.updateProduct(principal, params.productId, body),
    ),
  );
  r.post(
    '/api/products/:productId/archive',
    rest({ params: ShopProductIdParams }, ({ params, principal }) => shops.archiveProduct(principal, params.productId)),
  );
  r.post(
    '/api/products/:productId/unarchive',
    rest({ params: ShopProductIdParams }, ({ params, principal }) => shops.unarchiveProduct(principal, params.productId)),
  );
  r.post(
    '/api/products/:productId/stock',
    rest({ params: ShopProductIdParams, body: AdjustStockBody }, ({ params, body, principal }) =>
      shops.adjustStock(principal, params.productId, body),
    ),
  );
  r.delete(
    '/api/products/:productId',
    rest({ params: ShopProductIdParams }, ({ params, principal }) => shops.deleteProduct(principal, params.productId)),
  );
  return r;
}
