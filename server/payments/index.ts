import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { mountBullBoard } from './board.ts';
import type { LedgerHandle } from '../ledger/index.ts';
import { startPaymentRuntime, type PaymentRuntime } from './runtime.ts';
import type { Registry } from 'prom-client';
import type { PaymentQueue } from './queue.ts';
import { registerPaymentQueueMetrics } from './metrics.ts';
import { type RefundWebhookListener, webhookRoutes } from './webhook.ts';

export type { PaymentGateway } from './gateway.ts';
export { PaymentQueue } from './queue.ts';

/**
 * The payments domain in a node: the BullMQ payment queue (orders go in with job id = order id), the order supervisor,
 * a payment worker unless PAYMENT_WORKER=false, the gateway's webhook endpoint, and Bull Board for admins.
 */
export function createPayments(
  ctx: HawkerContext,
  auth: Auth,
  ledger: LedgerHandle,
  metrics?: Registry,
): Domain & { queue: PaymentQueue; runtime: PaymentRuntime; refundWebhooks: RefundWebhookListener[] } {
  const log = ctx.log.child({ module: 'payments' });
  const runtime = startPaymentRuntime({
    config: ctx.config,
    log,
    redis: ctx.redis,
    redisUrl: ctx.redisUrl,
    ledger,
    runWorker: ctx.config.PAYMENT_WORKER,
    metrics,
  });
  // Refund webhooks go to whoever registers (the refunds domain, built later).
  const refundWebhooks: RefundWebhookListener[] = [];
  // On the early routes: the gateway calls it once per paid order, and the domains' routes before it cost every call.
  if (runtime.processor)
    ctx.earlyRoutes.use(webhookRoutes(ledger.orders, runtime.processor, ctx.config.PAYMENT_WEBHOOK_SECRET, auth, log, refundWebhooks));
  mountBullBoard(ctx.app, [runtime.queue.queue], auth.tokens, log);
  if (metrics) registerPaymentQueueMetrics(metrics, runtime.queue, log);
  return { name: 'payments', queue: runtime.queue, runtime, refundWebhooks, close: () => runtime.close() };
}
