import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { MerchantScopes } from '../exports/scopes.ts';
import type { Logger } from '../kernel/log.ts';
import { BACKOFF_TYPE, bullPrefix } from '../payments/queue.ts';
import { signWebhook } from '../payments/signature.ts';
import { cappedBackoff } from '../payments/worker.ts';
import { WEBHOOK_QUEUE_NAME, type WebhookJobData } from './queue.ts';
import type { WebhookStore } from './store.ts';
import { resolvedAddressProblem } from './url.ts';

/** The header carrying a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const WEBHOOK_SIGNATURE_HEADER = 'hawker-signature';
/** Bytes of an endpoint's answer kept in the delivery log (the rest is not read). */
const ERROR_TEXT_MAX = 200;

export interface WebhookSenderOptions {
  store: WebhookStore;
  scopes: MerchantScopes;
  log: Logger;
  timeoutMs: number;
  allowHttpLocalhost: boolean;
  disableAfterFailures: number;
  disableMinAgeMs: number;
}

/**
 * Sends one attempt of a delivery and records it. An attempt succeeds on a 2xx answer within the timeout; anything
 * else (another status, a redirect, a timeout, a refused connection, a host that now resolves to a private address)
 * fails it. A failed attempt with attempts left throws, so BullMQ retries it after the backoff; the last failed attempt
 * fails the delivery, counts against the endpoint's consecutive failures and may disable it (audited as actor
 * `system`). Idempotent per (delivery, attempt): a re-run after a crash sends again, which receivers dedupe by the
 * delivery's event id.
 */
export class WebhookSender {
  constructor(private readonly o: WebhookSenderOptions) {}

  async attempt(deliveryId: string, attempt: number, final: boolean): Promise<void> {
    const { store } = this.o;
    const delivery = await store.delivery(store.db, deliveryId);
    if (delivery?.status !== 'pending') return;
    const endpoint = await store.endpoint(store.db, delivery.endpointId);
    if (endpoint?.status !== 'active') {
      await store.abandon(store.db, deliveryId, 'the endpoint was disabled before this delivery was sent');
      return;
    }
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = await resolvedAddressProblem(endpoint.url, this.o.allowHttpLocalhost);
    if (!error) {
      const t = Math.floor(Date.now() / 1000);
      try {
        const res = await fetch(endpoint.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(this.o.timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Hawker-Webhooks/1',
            [WEBHOOK_SIGNATURE_HEADER]: signWebhook(endpoint.secret, delivery.body, t),
            'hawker-event': delivery.type,
            'hawker-event-id': delivery.eventId,
            'hawker-delivery': delivery.id,
          },
          body: delivery.body,
        });
        statusCode = res.status;
        if (res.status < 200 || res.status > 299) {
          const text = await head(res, ERROR_TEXT_MAX);
          error = `HTTP ${res.status}${text ? `: ${text.slice(0, ERROR_TEXT_MAX)}` : ''}`;
        } else {
          await res.body?.cancel().catch(() => {});
        }
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        error =
          e.name === 'TimeoutError'
            ? `no answer within ${this.o.timeoutMs} ms`
            : `${e.cause?.code ?? e.name}: ${e.message}`.slice(0, ERROR_TEXT_MAX);
      }
    }
    const latencyMs = Math.round(performance.now() - started);
    const ok = error === null;
    const disabled = await store.tx(async (c) => {
      const locked = await store.delivery(c, deliveryId, true);
      if (locked?.status !== 'pending') return null;
      await store.recordAttempt(c, deliveryId, {
        attempt,
        statusCode,
        latencyMs,
        error,
        final: ok ? 'succeeded' : final ? 'failed' : null,
      });
      if (ok) {
        await store.recordSuccess(c, endpoint.id);
        return null;
      }
      if (!final) return null;
      const off = await store.recordFailure(c, endpoint.id, this.o.disableAfterFailures, this.o.disableMinAgeMs);
      if (off) {
        await this.o.scopes.audit(c, {
          scope: { kind: off.scope, id: off.scopeId },
          actor: 'system',
          action: 'webhook.endpoint.disabled',
          target: off.id,
          details: { reason: off.disabledReason, url: off.url },
        });
      }
      return off;
    });
    if (disabled)
      this.o.log.warn({ endpointId: disabled.id, scope: disabled.scope, scopeId: disabled.scopeId }, 'webhook endpoint disabled');
    if (!ok && !final) throw new Error(error ?? 'delivery failed');
  }
}

/** The first `max` bytes of an answer's body as text; the rest is never read (an endpoint may answer with gigabytes). */
async function head(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  try {
    const { value } = await reader.read();
    return value ? new TextDecoder().decode(value.subarray(0, max)) : '';
  } catch {
    return '';
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Starts the BullMQ worker that sends deliveries (WEBHOOK_WORKER=true). */
export function startWebhookWorker(o: {
  connection: Redis;
  keyPrefix: string;
  sender: WebhookSender;
  backoffMs: number;
  log: Logger;
}): Worker<WebhookJobData> {
  const worker = new Worker<WebhookJobData>(
    WEBHOOK_QUEUE_NAME,
    (job) => o.sender.attempt(job.data.deliveryId, job.attemptsMade + 1, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)),
    {
      connection: o.connection,
      prefix: bullPrefix(o.keyPrefix),
      concurrency: 16,
      maxStalledCount: 20,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) => {
          if (type !== BACKOFF_TYPE) throw new Error(`unknown backoff type ${type}`);
          return cappedBackoff(o.backoffMs)(attemptsMade);
        },
      },
    },
  );
  worker.on('failed', (job, err) =>
    o.log.debug({ deliveryId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'webhook attempt failed'),
  );
  worker.on('error', (err) => o.log.error({ err }, 'webhook worker error'));
  return worker;
}
