import { Router } from 'express';
import {
  ConfirmReceiptBody,
  DeliverOrderBody,
  OrderParams,
  RoomIdParams,
  ShipmentsUploadBody,
  ShipOrderBody,
  ShopParams,
} from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { FulfilmentService } from './service.ts';

/** REST for fulfilment (docs/commerce.md, "After payment: fulfilment"). */
export function fulfilmentRoutes(fulfilment: FulfilmentService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/orders/:orderId/ship',
    rest({ params: OrderParams, body: ShipOrderBody }, ({ params, body, principal }) => fulfilment.ship(principal, params.orderId, body)),
  );
  r.post(
    '/api/orders/:orderId/deliver',
    rest({ params: OrderParams, body: DeliverOrderBody }, ({ params, body, principal }) =>
      fulfilment.deliver(principal, params.orderId, body),
    ),
  );
  r.post(
    '/api/orders/:orderId/confirm-receipt',
    rest({ params: OrderParams, body: ConfirmReceiptBody }, ({ params, principal }) =>
      fulfilment.confirmReceipt(principal, params.orderId),
    ),
  );
  r.post(
    '/api/shops/:shopId/shipments',
    rest({ params: ShopParams, body: ShipmentsUploadBody }, ({ params, body, principal }) =>
      fulfilment.uploadShipments(principal, { shopId: params.shopId }, body.csv),
    ),
  );
  r.post(
    '/api/rooms/:roomId/shipments',
    rest({ params: RoomIdParams, body: ShipmentsUploadBody }, ({ params, body, principal }) =>
      fulfilment.uploadShipments(principal, { roomId: params.roomId }, body.csv),
    ),
  );
  return r;
}
