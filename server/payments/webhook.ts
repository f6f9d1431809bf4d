import { Router } from 'express';
import type { RawBodyRequest } from '../app.ts';
import type { Auth } from '../auth/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../infra/log.ts';
import type { OrderStore } from '../orders/store.ts';
import { GatewayWebhookEvent } from '../protocol/commerce.ts';
import { SIGNATURE_HEADER, verifyWebhook } from './signature.ts';

/**
 * POST /api/payments/webhook: the gateway's signed notifications. A second, independent path to the same idempotent
 * transitions the worker applies, so an answer the worker missed (timeout, crash) still lands. Unsigned, stale or
 * forged calls get 401 and change nothing; records that do not match their order (amount, currency, key) are logged
 * and ignored.
 */
export function webhookRoutes(store: OrderStore, secret: string, { rest }: Auth, log: Logger): Router {
  const r = Router();
  r.post(
    '/api/payments/webhook',
    rest({ auth: false, body: GatewayWebhookEvent }, async ({ body, req }) => {
      const raw = (req as unknown as RawBodyRequest).rawBody;
      if (!raw || !verifyWebhook(secret, req.header(SIGNATURE_HEADER), raw)) throw AppError.unauthenticated('Missing, stale or invalid webhook signature');
      // charge.cancelled: whoever cancelled settles the order.
      if (body.type === 'charge.cancelled') return { received: true, applied: false };
      const charge = body.data;
      const order = await store.record(charge.reference);
      if (!order || charge.idempotencyKey !== order.id || charge.amount !== order.amount || charge.currency !== order.currency) {
        log.error({ eventId: body.id, reference: charge.reference }, 'webhook for an unknown order or with mismatching amount; ignored');
        return { received: true, applied: false };
      }
      // Usually the worker has already applied the same answer: nothing to do (saves a script call per charge).
      if (order.status === (body.type === 'charge.succeeded' ? 'paid' : 'failed')) return { received: true, applied: false };
      if (body.type === 'charge.succeeded') {
        const res = await store.transition(order, 'paid', { chargeId: charge.id });
        if (res.status !== 'paid') log.error({ orderId: order.id, chargeId: charge.id, status: res.status }, 'charged an order that is not payable: refund needed');
        return { received: true, applied: res.changed };
      }
      const res = await store.transition(order, 'fail', { reason: charge.declineCode ?? 'declined' });
      return { received: true, applied: res.changed };
    }),
  );
  return r;
}
