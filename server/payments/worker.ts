import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../kernel/log.ts';
import type { PaymentProcessor } from './processor.ts';
import { BACKOFF_TYPE, bullPrefix, PAYMENT_QUEUE_NAME, type PaymentJobData } from './queue.ts';

export interface PaymentWorkerOptions {
  /** A connection with maxRetriesPerRequest: null (BullMQ blocks on it); the caller owns and closes it. */
  connection: Redis;
  keyPrefix: string;
  processor: PaymentProcessor;
  concurrency: number;
  /** Lock duration: a job whose worker died is picked up again by another worker after about this long. */
  lockMs: number;
  /** First retry delay; doubles per attempt up to 32x, with ±25% jitter so retries of a burst spread out. */
  backoffMs: number;
  log: Logger;
}

/** Exponential backoff, capped, with jitter. */
export function cappedBackoff(baseMs: number): (attemptsMade: number) => number {
  return (attemptsMade) => {
    const d = baseMs * 2 ** Math.min(Math.max(attemptsMade - 1, 0), 5);
    return Math.round(d * (0.75 + Math.random() * 0.5));
  };
}

/**
 * Starts a BullMQ worker for payment jobs. Runs in a node (PAYMENT_WORKER=true) or alone (server/payments/workerMain.ts).
 * A worker killed mid-job leaves the job's lock to expire; another worker's stalled-job check then runs it again, which
 * is safe because the processor is idempotent (see processor.ts). maxStalledCount is high for the same reason: a job
 * interrupted by crashes must be retried, not failed.
 */
export function startPaymentWorker(o: PaymentWorkerOptions): Worker<PaymentJobData> {
  const worker = new Worker<PaymentJobData>(
    PAYMENT_QUEUE_NAME,
    (job) => o.processor.process(job.data.orderId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)),
    {
      connection: o.connection,
      prefix: bullPrefix(o.keyPrefix),
      concurrency: o.concurrency,
      lockDuration: o.lockMs,
      stalledInterval: o.lockMs,
      maxStalledCount: 20,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) => {
          if (type !== BACKOFF_TYPE) throw new Error(`unknown backoff type ${type}`);
          return cappedBackoff(o.backoffMs)(attemptsMade);
        },
      },
    },
  );
  worker.on('failed', (job, err) => {
    o.log.warn({ orderId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'payment attempt failed');
  });
  worker.on('error', (err) => o.log.error({ err }, 'payment worker error'));
  return worker;
}
