import { Router } from 'express';
import type { RawBodyRequest } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import type { LedgerOrders } from '../ledger/index.ts';
import { chargeKey, type PaymentProcessor } from './processor.ts';
import { AnyGatewayWebhookEvent, type GatewayRefund } from './contract.ts';
import { SIGNATURE_HEADER, verifyWebhook } from './signature.ts';

/**
 * Who applies a `refund.succeeded` webhook (the refunds domain registers itself): returns whether the ledger changed.
 * Registered after the payments domain is built, hence a list the route reads at each call.
 */
export type RefundWebhookListener = (refund: GatewayRefund, eventId: string) => Promise<boolean>;

/** How long a webhook waits for this process's worker that is applying the same charge (see PaymentProcessor.settled). */
const WORKER_WAIT_MS = 2_000;

/**
 * POST /api/payments/webhook: the gateway's signed notifications. A second, independent path to the same idempotent
 * transitions the worker applies, so an answer the worker missed (timeout, crash) still lands. Unsigned, stale or
 * forged calls get 401 and change nothing; records that do not match their order (amount, currency, key) are logged
 * and ignored.
 */
export function webhookRoutes(
  ledger: LedgerOrders,
  processor: PaymentProcessor,
  secret: string,
  { rest }: Auth,
  log: Logger,
  refundListeners: readonly RefundWebhookListener[] = [],
): Router {
  const r = Router();
  r.post(
    '/api/payments/webhook',
    rest({ auth: false, body: AnyGatewayWebhookEvent }, async ({ body, req }) => {
      const raw = (req as unknown as RawBodyRequest).rawBody;
      if (!raw || !verifyWebhook(secret, req.header(SIGNATURE_HEADER), raw))
        throw AppError.unauthenticated('Missing, stale or invalid webhook signature');
      // A refund's outcome: the refunds domain settles a refund it asked for and is still waiting on (the gateway's
      // answer was lost), without waiting for its retry pass.
      if (body.type === 'refund.succeeded') {
        let applied = false;
        for (const listener of refundListeners) applied = (await listener(body.data, body.id)) || applied;
        return { received: true, applied };
      }
      // charge.cancelled: whoever cancelled settles the order.
      if (body.type !== 'charge.succeeded' && body.type !== 'charge.declined') return { received: true, applied: false };
      const charge = body.data;
      // Usually the worker has already applied the same answer, and the Redis mirror (written only after the ledger
      // committed) says so: nothing to do, and no ledger read (issue 20 P3: a round trip per paid order).
      if (await processor.appliedInMirror(body.type, charge)) return { received: true, applied: false };
      // This process's worker is charging the order right now (the webhook usually overtakes its ledger write): wait for
      // it and ask the mirror again. If the worker did not apply this answer (it failed, or got another), the ledger
      // path below applies it, as for any webhook.
      const running = processor.settled(charge.reference);
      if (running) {
        // Bounded: a worker stuck on a slow gateway call must not hold the gateway's delivery; past this the ledger decides.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([running, new Promise<void>((r) => (timer = setTimeout(r, WORKER_WAIT_MS)))]);
        clearTimeout(timer);
        if (await processor.appliedInMirror(body.type, charge)) return { received: true, applied: false };
      }
      const order = await ledger.get(charge.reference);
      if (!order || charge.idempotencyKey !== chargeKey(order) || charge.amount !== order.amount || charge.currency !== order.currency) {
        // Reconciliation finds such a charge by listing the gateway's charges, and refunds it.
        log.error(
          { eventId: body.id, reference: charge.reference },
          'webhook for an unknown order or with mismatching amount; left to reconciliation',
        );
        return { received: true, applied: false };
      }
      // The ledger says it was applied (the mirror lagged, or its copy is gone): nothing to do (saves a write per charge).
      if (
        order.status === (body.type === 'charge.succeeded' ? 'paid' : 'failed') &&
        (body.type !== 'charge.succeeded' || order.chargeId === charge.id)
      ) {
        return { received: true, applied: false };
      }
      const before = order.status;
      const status = await processor.settle(order, charge, null, 'webhook');
      return { received: true, applied: status !== before };
    }),
  );
  return r;
}
