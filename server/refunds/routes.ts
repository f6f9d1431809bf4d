import { Router } from 'express';
import {
  ApproveRefundRequestBody,
  CreateRefundBody,
  CreateRefundRequestBody,
  ListShopRefundRequestsQuery,
  MerchantAuditQuery,
  OrderParams,
  RefundRequestParams,
  RejectRefundRequestBody,
  ShopParams,
  StaffCancelBody,
} from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { RefundService } from './service.ts';

/** REST for cancel, refunds, refund requests and the merchant audit trail (docs/commerce.md, "After payment"). */
export function refundRoutes(refunds: RefundService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/orders/:orderId/staff-cancel',
    rest({ params: OrderParams, body: StaffCancelBody }, ({ params, body, principal }) =>
      refunds.staffCancel(principal, params.orderId, body.reason),
    ),
  );
  r.post(
    '/api/orders/:orderId/refunds',
    rest({ params: OrderParams, body: CreateRefundBody, status: 201 }, ({ params, body, principal }) =>
      refunds.refund(principal, params.orderId, body),
    ),
  );
  r.get(
    '/api/orders/:orderId/refunds',
    rest({ params: OrderParams }, ({ params, principal }) => refunds.listRefunds(principal, params.orderId)),
  );
  r.post(
    '/api/orders/:orderId/refund-requests',
    rest({ params: OrderParams, body: CreateRefundRequestBody, status: 201 }, ({ params, body, principal }) =>
      refunds.requestRefund(principal, params.orderId, body),
    ),
  );
  r.get(
    '/api/orders/:orderId/refund-requests',
    rest({ params: OrderParams }, ({ params, principal }) => refunds.listRequests(principal, params.orderId)),
  );
  r.get(
    '/api/shops/:shopId/refund-requests',
    rest({ params: ShopParams, query: ListShopRefundRequestsQuery }, ({ params, query, principal }) =>
      refunds.listShopRequests(principal, params.shopId, query),
    ),
  );
  r.post(
    '/api/refund-requests/:requestId/approve',
    rest({ params: RefundRequestParams, body: ApproveRefundRequestBody }, ({ params, body, principal }) =>
      refunds.approve(principal, params.requestId, body),
    ),
  );
  r.post(
    '/api/refund-requests/:requestId/reject',
    rest({ params: RefundRequestParams, body: RejectRefundRequestBody }, ({ params, body, principal }) =>
      refunds.reject(principal, params.requestId, body),
    ),
  );
  r.get(
    '/api/merchant-audit',
    rest({ query: MerchantAuditQuery }, ({ query, principal }) => refunds.audit(principal, query)),
  );
  return r;
}
