import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PaymentEnqueuer } from '../orders/service.ts';

/** BullMQ queue name; its keys live under `<REDIS_KEY_PREFIX>bull:payments:*`. */
export const PAYMENT_QUEUE_NAME = 'payments';
/** BullMQ prefix for a node's key prefix, so queues of deployments sharing a Redis stay apart. */
export const bullPrefix = (keyPrefix: string): string => `${keyPrefix}bull`;
/** Name of the custom backoff type (the worker's backoffStrategy implements it). */
export const BACKOFF_TYPE = 'capped-exponential';

export interface PaymentJobData {
  orderId: string;
}

/**
 * The payment queue. One job per order, job id = order id, so queuing an order twice (a retried enqueue, the
 * supervisor's safety net) never creates a second job, and Bull Board shows jobs by order id.
 */
export class PaymentQueue implements PaymentEnqueuer {
  readonly queue: Queue<PaymentJobData>;

  constructor(
    connection: Redis,
    keyPrefix: string,
    private readonly attempts: number,
  ) {
    this.queue = new Queue<PaymentJobData>(PAYMENT_QUEUE_NAME, { connection, prefix: bullPrefix(keyPrefix) });
  }

  async enqueue(orderId: string): Promise<void> {
    await this.queue.add(
      'charge',
      { orderId },
      {
        jobId: orderId,
        attempts: this.attempts,
        backoff: { type: BACKOFF_TYPE },
        // Finished jobs are kept a while for Bull Board (the ledger is the durable record), at most 50,000 of each kind
        // so a gateway outage failing every job cannot fill Redis; the supervisor re-adds a job an open order lacks.
        removeOnComplete: { age: 24 * 3600, count: 50_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
      },
    );
  }

  /**
   * Makes sure the order has a job that will run: adds it if missing, retries it if it failed (attempts exhausted while
   * the order is still not final). Returns what it did.
   */
  async ensure(orderId: string): Promise<'added' | 'retried' | 'present'> {
    const job = await this.queue.getJob(orderId);
    if (!job) {
      await this.enqueue(orderId);
      return 'added';
    }
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry('failed');
      return 'retried';
    }
    if (state === 'completed') {
      // Completed while the order is still open can only follow a job that saw a missing order; run it again.
      await job.remove();
      await this.enqueue(orderId);
      return 'added';
    }
    return 'present';
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
