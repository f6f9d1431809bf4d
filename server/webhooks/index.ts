import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Auth } from '../auth/index.ts';
import type { MerchantScopes } from '../exports/scopes.ts';
import type { Room } from '@hawker/protocol';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { RoomHook } from '../rooms/index.ts';
import { closeWorker } from '../kernel/closeWorker.ts';
import { createRedis } from '../kernel/redis.ts';
import { WebhookDispatcher } from './dispatcher.ts';
import { WebhookQueue, type WebhookJobData } from './queue.ts';
import { webhookRoutes } from './routes.ts';
import { WebhookService } from './service.ts';
import { WebhookStore } from './store.ts';
import { startWebhookWorker, WebhookSender } from './worker.ts';

export { WEBHOOK_SIGNATURE_HEADER } from './worker.ts';
export { webhookUrlProblem } from './url.ts';
export { WebhookService } from './service.ts';

/**
 * The webhooks domain (issue 16, item 6): merchants' signed outbound webhooks. Order events reach the durable outbox
 * by triggers in PostgreSQL (migration 0006); every node runs a dispatcher turning them into deliveries and BullMQ
 * jobs, and (WEBHOOK_WORKER, default on) a worker sending them with retries and backoff.
 */
export function createWebhooks(
  ctx: HawkerContext,
  auth: Auth,
  scopes: MerchantScopes,
  /** The shops whose products a room sells now (the catalog's selection), for `live.*` events. */
  roomShops: (roomId: string) => Promise<string[]>,
): Domain & { service: WebhookService; dispatcher: WebhookDispatcher; hook: RoomHook } {
  const { config, log } = ctx;
  const store = new WebhookStore(ctx.dbBulk);
  const queueConn = createRedis(ctx.redisUrl, log.child({ conn: 'webhook-queue' }), { maxRetriesPerRequest: null });
  const queue = new WebhookQueue(queueConn, config.REDIS_KEY_PREFIX, config.WEBHOOK_MAX_ATTEMPTS);
  // Longest wait between two attempts: the capped backoff (32x, +25% jitter) and the attempt's own timeout, plus slack.
  const staleMs = 40 * config.WEBHOOK_BACKOFF_MS + config.WEBHOOK_TIMEOUT_MS + 60_000;
  const dispatcher = new WebhookDispatcher(store, queue, config.WEBHOOK_DISPATCH_MS, log.child({ job: 'webhook-dispatch' }), staleMs);
  const service = new WebhookService(store, scopes, dispatcher, config);
  let workerConn: Redis | undefined;
  let worker: Worker<WebhookJobData> | undefined;
  if (config.WEBHOOK_WORKER) {
    workerConn = createRedis(ctx.redisUrl, log.child({ conn: 'webhook-worker' }), { maxRetriesPerRequest: null });
    const sender = new WebhookSender({
      store,
      scopes,
      log,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowHttpLocalhost: config.WEBHOOK_ALLOW_HTTP_LOCALHOST,
      disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
      disableMinAgeMs: config.WEBHOOK_DISABLE_MIN_AGE_MS,
    });
    worker = startWebhookWorker({
      connection: workerConn,
      keyPrefix: config.REDIS_KEY_PREFIX,
      sender,
      backoffMs: config.WEBHOOK_BACKOFF_MS,
      log,
    });
  }
  dispatcher.start();
  ctx.app.use(webhookRoutes(service, auth));
  // Issue 19, item 3: a scheduled or started live is announced to the merchants whose products it sells and to the
  // creator's agency, through the same outbox, dispatcher and signed deliveries as order events. Once per live and kind
  // (the event id), however many nodes or retries announce it.
  const announceLive = async (room: Room, type: 'live.scheduled' | 'live.started') => {
    const shopIds = [...new Set(await roomShops(room.id))].sort().slice(0, 200);
    await store.recordLiveEvent({
      eventId: `evt_l${room.id}.${type === 'live.started' ? 'started' : 'scheduled'}`,
      type,
      live: {
        roomId: room.id,
        title: room.title,
        creatorId: room.creatorId,
        creatorName: room.creatorName,
        agencyId: room.agencyId,
        scheduledAt: room.scheduledAt,
        path: `/room?id=${encodeURIComponent(room.id)}`,
        shopIds,
      },
    });
  };
  const hook: RoomHook = {
    name: 'webhooks',
    // Bookkeeping after every feature that acts on the room, like follows' notices (-200): the room's products are known.
    priority: -300,
    onScheduled: async (room) => {
      if (room.scheduledAt !== null) await announceLive(room, 'live.scheduled');
    },
    onLive: (room) => announceLive(room, 'live.started'),
  };
  const quit = (conn: Redis) =>
    conn.quit().then(
      () => {},
      () => conn.disconnect(),
    );
  return {
    name: 'webhooks',
    service,
    dispatcher,
    hook,
    close: async () => {
      await dispatcher.stop();
      if (worker) await closeWorker(worker, log);
      await queue.close();
      await quit(queueConn);
      if (workerConn) await quit(workerConn);
    },
  };
}
