import { type RequestHandler, Router } from 'express';
import type { Auth } from '../auth/index.ts';
import type { RawBodyRequest } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { AdjustStockBody, CreateProductBody, PinProductBody, ProductParams, SelectProductBody, UpdateProductBody } from '@hawker/protocol';
import { RoomIdParams } from '@hawker/protocol';
import type { CatalogService } from './service.ts';

/**
 * Refuses a product create or edit whose JSON body is over `maxBytes` (PRODUCT_MAX_BYTES) with 413 and a BAD_REQUEST
 * naming the limit, before anything is authenticated, parsed or written. Measured on the bytes received (the JSON
 * parser keeps them), so padding with whitespace counts too.
 */
function productBodyLimit(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const size = (req as RawBodyRequest).rawBody?.length ?? 0;
    if (size <= maxBytes) return next();
    res.status(413).json({
      error: AppError.badRequest(
        `Product bodies are at most ${maxBytes} bytes of JSON (PRODUCT_MAX_BYTES); this one has ${size}: shorten the text or send fewer SKUs`,
        { limit: 'PRODUCT_MAX_BYTES', max: maxBytes },
      ).toWire(),
    });
  };
}

/** REST for a room's catalog and pin (docs/api.md, "Commerce"); `productMaxBytes`: PRODUCT_MAX_BYTES. */
export function catalogRoutes(catalog: CatalogService, { rest }: Auth, productMaxBytes: number): Router {
  const r = Router();
  const sized = productBodyLimit(productMaxBytes);
  r.post(
    '/api/rooms/:roomId/products',
    sized,
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
    sized,
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
  r.post(
    '/api/rooms/:roomId/selection',
    rest({ params: RoomIdParams, body: SelectProductBody, status: 201 }, ({ params, body, principal }) =>
      catalog.select(principal, params.roomId, body.productId),
    ),
  );
  r.delete(
    '/api/rooms/:roomId/selection/:productId',
    rest({ params: ProductParams }, ({ params, principal }) => catalog.deselect(principal, params.roomId, params.productId)),
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
