import { Router } from 'express';
import type { Auth } from '../auth/index.ts';
import { SaleParams, ScheduleSaleBody } from '@hawker/protocol';
import { RoomIdParams } from '@hawker/protocol';
import type { SaleService } from './service.ts';

/** REST for a room's flash sales (docs/api.md, "Commerce"). */
export function saleRoutes(sales: SaleService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/rooms/:roomId/sales',
    rest({ params: RoomIdParams, body: ScheduleSaleBody, status: 201 }, ({ params, body, principal }) =>
      sales.schedule(principal, params.roomId, body),
    ),
  );
  r.get(
    '/api/rooms/:roomId/sales',
    rest({ params: RoomIdParams }, async ({ params }) => ({ sales: await sales.list(params.roomId) })),
  );
  r.get(
    '/api/rooms/:roomId/sales/:saleId',
    rest({ params: SaleParams }, ({ params }) => sales.get(params.roomId, params.saleId)),
  );
  r.post(
    '/api/rooms/:roomId/sales/:saleId/end',
    rest({ params: SaleParams }, ({ params, principal }) => sales.end(principal, params.roomId, params.saleId)),
  );
  return r;
}
