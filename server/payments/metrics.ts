import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../kernel/log.ts';
import type { PaymentQueue } from './queue.ts';

/**
 * `hawker_payments_queue_jobs{state}`: the BullMQ payment queue's depth (waiting, active, delayed, failed), asked of
 * Redis at scrape time (one round trip). Shared by every node: read it from any one.
 */
export function registerPaymentQueueMetrics(registry: Registry, queue: PaymentQueue, log: Logger): void {
  const states = ['waiting', 'active', 'delayed', 'failed'] as const;
  new Gauge({
    name: 'hawker_payments_queue_jobs',
    help: 'Payment jobs in the BullMQ queue, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const counts = await queue.queue.getJobCounts(...states);
        for (const state of states) this.set({ state }, counts[state] ?? 0);
      } catch (err) {
        // Redis unreachable: this scrape goes without the depth (no stale figure) rather than failing every metric.
        log.warn({ err: (err as Error).message }, 'payment queue depth unavailable for /metrics');
      }
    },
  });
}
