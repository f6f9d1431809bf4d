import { Router } from 'express';
import type { Auth } from '../auth/index.ts';
import { ListOrdersQuery, OrderParams, PlaceShopOrderBody } from '@hawker/protocol';
import { RoomIdParams } from '@hawker/protocol';
import { AgencyParams } from '@hawker/protocol';
import type { OrderService } from './service.ts';

/**
 * REST for orders (docs/api.md, "Commerce"). Placing an order in a live is the socket event `order:place`; outside a
 * live (storefront, search, replay, clip) it is POST /api/orders.
 */
export function orderRoutes(orders: OrderService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/orders',
    rest({ body: PlaceShopOrderBody, status: 201 }, ({ body, principal }) => orders.placeShop(principal, body)),
  );
  r.get(
    '/api/orders',
    rest({ query: ListOrdersQuery }, ({ query, principal }) => orders.listMine(principal, query)),
  );
  r.get(
    '/api/orders/:orderId',
    rest({ params: OrderParams }, ({ params, principal }) => orders.get(principal, params.orderId)),
  );
  r.get(
    '/api/orders/:orderId/history',
    rest({ params: OrderParams }, ({ params, principal }) => orders.history(principal, params.orderId)),
  );
  r.post(
    '/api/orders/:orderId/cancel',
    rest({ params: OrderParams }, ({ params, principal }) => orders.cancel(principal, params.orderId)),
  );
  r.get(
    '/api/rooms/:roomId/orders',
    rest({ params: RoomIdParams, query: ListOrdersQuery }, ({ params, query, principal }) =>
      orders.listRoom(principal, params.roomId, query),
    ),
  );
  r.get(
    '/api/agencies/:agencyId/orders',
    rest({ params: AgencyParams, query: ListOrdersQuery }, ({ params, query, principal }) =>
      orders.listAgency(principal, params.agencyId, query),
    ),
  );
  return r;
}
