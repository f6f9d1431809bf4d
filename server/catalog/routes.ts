import { Router } from 'express';
import type { Auth } from '../auth/index.ts';
import { AdjustStockBody, CreateProductBody, PinProductBody, ProductParams, UpdateProductBody } from '@hawker/protocol';
import { RoomIdParams } from '@hawker/protocol';
import type { CatalogService } from './service.ts';

/** REST for a room's catalog and pin (docs/api.md, "Commerce"). */
export function catalogRoutes(catalog: CatalogService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/rooms/:roomId/products',
    rest({ params: RoomIdParams, body: CreateProductBody, status: 201 }, ({ params, body, principal }) =>
      catalog.create(principal, params.roomId, body),
    ),
  );
  r.get(
    '/api/rooms/:roomId/products',
    rest({ params: RoomIdParams }, async ({ params }) => ({ products: await catalog.list(params.roomId) })),
  );
  r.get(
    '/api/rooms/:roomId/products/:productId',
    rest({ params: ProductParams }, ({ params }) => catalog.get(params.roomId, params.productId)),
  );
  r.patch(
    '/api/rooms/:roomId/products/:productId',
    rest({ params: ProductParams, body: UpdateProductBody }, ({ params, body, principal }) =>
      catalog.update(principal, params.roomId, params.productId, body),
    ),
  );
  r.delete(
    '/api/rooms/:roomId/products/:productId',
    rest({ params: ProductParams }, ({ params, principal }) => catalog.remove(principal, params.roomId, params.productId)),
  );
  r.post(
    '/api/rooms/:roomId/products/:productId/stock',
    rest({ params: ProductParams, body: AdjustStockBody }, ({ params, body, principal }) =>
      catalog.adjustStock(principal, params.roomId, params.productId, body),
    ),
  );
  r.put(
    '/api/rooms/:roomId/pin',
    rest({ params: RoomIdParams, body: PinProductBody }, ({ params, body, principal }) =>
      catalog.pin(principal, params.roomId, body.productId),
    ),
  );
  r.delete(
    '/api/rooms/:roomId/pin',
    rest({ params: RoomIdParams }, ({ params, principal }) => catalog.unpin(principal, params.roomId)),
  );
  return r;
}
