import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../kernel/log.ts';
import { closeAll } from '../kernel/closeAll.ts';
import { closeWorker } from '../kernel/closeWorker.ts';
import { createRedis } from '../kernel/redis.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { LedgerHandle } from '../ledger/index.ts';
import { OrderStore } from '../orders/store.ts';
import { HttpPaymentGateway } from './gateway.ts';
import { PaymentProcessor } from './processor.ts';
import { PaymentQueue, type PaymentJobData } from './queue.ts';
import { superviseOrders } from './supervisor.ts';
import { Reconciler, startReconciliation } from './reconcile.ts';
import type { Registry } from 'prom-client';
import { startPaymentWorker } from './worker.ts';

/** The payment machinery of one process: queue, supervisor, and (optionally) a worker. */
export interface PaymentRuntime {
  readonly queue: PaymentQueue;
  readonly store: OrderStore;
  readonly processor: PaymentProcessor | null;
  readonly gateway: HttpPaymentGateway | null;
  readonly worker: Worker<PaymentJobData> | null;
  /** Compares the gateway's charges with the ledger (also run by its repeatable job where a worker runs). */
  readonly reconciler: Reconciler | null;
  /**
   * Idempotent: stops the supervisor, lets running jobs finish (bounded by the caller's shutdown timeout), closes. Every
   * step runs even if one before it failed; then, if any failed, rejects with one CloseError of all of them.
   */
  close(): Promise<void>;
}

/**
 * Starts the payment runtime on `redis` (the process's shared command connection, not closed here). Used by a Hawker
 * node (server/payments/index.ts) and by the standalone worker process (server/payments/workerMain.ts), so both run
 * exactly the same code.
 */
export function startPaymentRuntime(o: {
  config: Config;
  log: Logger;
  redis: Redis;
  redisUrl: string;
  ledger: LedgerHandle;
  runWorker: boolean;
  metrics?: Registry;
}): PaymentRuntime {
  const { config, log } = o;
  const store = new OrderStore(o.redis, config.REDIS_KEY_PREFIX, config.ORDER_PAYMENT_WINDOW_MS);
  const queueConn = createRedis(o.redisUrl, log.child({ conn: 'payment-queue' }), { maxRetriesPerRequest: null });
  const queue = new PaymentQueue(queueConn, config.REDIS_KEY_PREFIX, config.PAYMENT_MAX_ATTEMPTS);
  const gateway = config.PAYMENT_GATEWAY_URL
    ? new HttpPaymentGateway({
        baseUrl: config.PAYMENT_GATEWAY_URL,
        apiKey: config.PAYMENT_GATEWAY_API_KEY,
        timeoutMs: config.PAYMENT_REQUEST_TIMEOUT_MS,
      })
    : null;
  let workerConn: Redis | undefined;
  let worker: Worker<PaymentJobData> | null = null;
  const processor = gateway ? new PaymentProcessor(o.ledger.orders, store, gateway, log) : null;
  if (o.runWorker && processor) {
    workerConn = createRedis(o.redisUrl, log.child({ conn: 'payment-worker' }), { maxRetriesPerRequest: null });
    worker = startPaymentWorker({
      connection: workerConn,
      keyPrefix: config.REDIS_KEY_PREFIX,
      processor,
      concurrency: config.PAYMENT_WORKER_CONCURRENCY,
      lockMs: config.PAYMENT_LOCK_MS,
      backoffMs: config.PAYMENT_BACKOFF_MS,
      log,
    });
  }
  const reconciler = gateway
    ? new Reconciler(o.ledger.pool, o.ledger.orders, store, gateway, log.child({ job: 'reconcile' }), o.metrics)
    : null;
  let reconcileConn: Redis | undefined;
  let reconciliation: ReturnType<typeof startReconciliation> | undefined;
  if (o.runWorker && reconciler) {
    reconcileConn = createRedis(o.redisUrl, log.child({ conn: 'reconcile' }), { maxRetriesPerRequest: null });
    reconciliation = startReconciliation({
      connection: reconcileConn,
      keyPrefix: config.REDIS_KEY_PREFIX,
      reconciler,
      everyMs: config.RECONCILE_EVERY_MS,
      windowMs: config.RECONCILE_WINDOW_MS,
      settleMs: config.RECONCILE_SETTLE_MS,
      log,
    });
  }
  if (o.runWorker && !gateway) {
    log.warn('PAYMENT_GATEWAY_URL is not set: orders are reserved but not charged here (they expire unless a payment worker runs)');
  }
  // BullMQ checks the Redis version as it connects and nobody awaits that promise; a process that closes (or loses
  // Redis) before it settles would crash on the unhandled rejection. Handled here; close() also waits for it briefly.
  const ready = Promise.all([queue.queue.waitUntilReady(), worker?.waitUntilReady()]).catch((err: Error) =>
    log.warn({ err: err.message }, 'payment queue could not finish connecting to Redis'),
  );
  const recheckMs = Math.max(5_000, config.PAYMENT_LOCK_MS);
  const supervisor = new Ticker('payment-supervisor', config.COMMERCE_TICK_MS, log, () =>
    superviseOrders(o.ledger.orders, store, queue, log, recheckMs),
  ).start();
  let closing: Promise<void> | undefined;
  return {
    queue,
    store,
    processor,
    reconciler,
    gateway,
    worker,
    close() {
      const quit = (conn: Redis) => conn.quit().catch(() => conn.disconnect());
      closing ??= closeAll('payment runtime', [
        ['supervisor', () => supervisor.stop()],
        ['queue connecting', () => Promise.race([ready, new Promise((r) => setTimeout(r, 2_000).unref())])],
        worker && ['worker', () => closeWorker(worker!, log)],
        reconciliation && ['reconciliation', () => reconciliation!.close()],
        gateway && ['gateway client', () => gateway.close()],
        ['queue', () => queue.close()],
        workerConn && ['worker connection', () => quit(workerConn!)],
        reconcileConn && ['reconciliation connection', () => quit(reconcileConn!)],
        ['queue connection', () => quit(queueConn)],
      ]);
      return closing;
    },
  };
}
