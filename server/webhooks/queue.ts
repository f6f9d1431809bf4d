import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BACKOFF_TYPE, bullPrefix } from '../payments/queue.ts';

/** BullMQ queue name; its keys live under `<REDIS_KEY_PREFIX>bull:webhooks:*`. */
export const WEBHOOK_QUEUE_NAME = 'webhooks';

export interface WebhookJobData {
  deliveryId: string;
}

/**
 * The webhook delivery queue. One job per delivery, job id = delivery id, so the dispatcher's re-queuing of a delivery
 * whose job may already exist never sends it twice. Retries back off exponentially (the worker's backoffStrategy, the
 * payment queue's capped-exponential type).
 */
export class WebhookQueue {
  readonly queue: Queue<WebhookJobData>;

  constructor(
    connection: Redis,
    keyPrefix: string,
    private readonly attempts: number,
  ) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE_NAME, { connection, prefix: bullPrefix(keyPrefix) });
  }

  async enqueue(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.queue.addBulk(
      deliveryIds.map((deliveryId) => ({
        name: 'deliver',
        data: { deliveryId },
        opts: {
          jobId: deliveryId,
          attempts: this.attempts,
          backoff: { type: BACKOFF_TYPE },
          // PostgreSQL's webhook_deliveries and webhook_attempts are the log; Redis keeps a bounded tail of jobs.
          removeOnComplete: { age: 3600, count: 10_000 },
          removeOnFail: { age: 24 * 3600, count: 10_000 },
        },
      })),
    );
  }

  /**
   * Makes sure a pending delivery has a job that will run: re-adds it if Redis lost it, retries it if it failed (its
   * last attempt could not be recorded, e.g. PostgreSQL was down). Returns what it did.
   */
  async ensure(deliveryId: string): Promise<'added' | 'retried' | 'present'> {
    const job = await this.queue.getJob(deliveryId);
    if (!job) {
      await this.enqueue([deliveryId]);
      return 'added';
    }
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry('failed');
      return 'retried';
    }
    if (state === 'completed') {
      await job.remove();
      await this.enqueue([deliveryId]);
      return 'added';
    }
    return 'present';
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
