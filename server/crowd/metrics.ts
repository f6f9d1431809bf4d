import { Gauge, type Registry } from 'prom-client';
import type { CrowdPipeline } from './pipeline.ts';

/**
 * This node's crowd pipeline at scrape time: viewer events accepted and dropped (buffer full: CROWD_BUFFER_MAX), rows
 * written and batches whose write failed, since start, and rows waiting for the next flush. Dropped or failed above 0
 * means the reports undercount: raise CROWD_BUFFER_MAX, flush more often, or look at PostgreSQL.
 */
export function registerCrowdMetrics(registry: Registry, pipeline: CrowdPipeline): void {
  new Gauge({
    name: 'hawker_crowd_events',
    help: 'Crowd pipeline viewer events since start, by outcome (accepted, dropped)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.set({ outcome: 'accepted' }, pipeline.events);
      this.set({ outcome: 'dropped' }, pipeline.dropped);
    },
  });
  new Gauge({
    name: 'hawker_crowd_rows',
    help: 'Crowd pipeline rows, by state (written since start, pending for the next flush)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'written' }, pipeline.written);
      this.set({ state: 'pending' }, pipeline.pending);
    },
  });
  new Gauge({
    name: 'hawker_crowd_failed_batches',
    help: 'Crowd pipeline batches whose write to PostgreSQL failed, since start',
    registers: [registry],
    collect() {
      this.set(pipeline.failed);
    },
  });
}
