import type { Express } from 'express';
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Process-wide metrics (prom-client's defaults: event-loop delay percentiles, GC pauses by kind, heap, handles, CPU),
 * collected once per process however many nodes it runs (tests start several; each collector is a 10 ms timer and a GC
 * observer, so one per node would multiply them). They are what tells a slow `/healthz` caused by this node's event
 * loop (long tasks, GC pauses) from one caused by a machine whose cores are busy with something else (bench:soak).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({
      register: processRegistry,
      eventLoopMonitoringPrecision: 10,
      // Finer than the default (1 ms, 10 ms, 0.1 s, 1 s, 2 s, 5 s) where a 200 ms latency goal lives.
      gcDurationBuckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    });
  }
  return processRegistry;
}

/**
 * The node's Prometheus registry, served as `GET /metrics` (text exposition format). One registry per node, not
 * prom-client's global one, so several nodes in one process (tests) do not collide. Domains register their own
 * metrics on it, named `hawker_<domain>_...`; the process's own (`nodejs_*`, `process_*`) are appended. Like /readyz it
 * is unauthenticated: scrape it on the private network and deny it at the public proxy (docs/media.md).
 *
 * Note: `nodejs_eventloop_lag_*` percentiles cover the time since the previous scrape (prom-client resets the
 * histogram on each collect).
 */
export function createMetrics(app: Express): Registry {
  const registry = new Registry();
  const shared = processMetrics();
  app.get('/metrics', (_req, res, next) => {
    Promise.all([registry.metrics(), shared.metrics()]).then(([own, proc]) => {
      res.setHeader('content-type', registry.contentType);
      res.send(`${own}\n${proc}`);
    }, next);
  });
  return registry;
}
