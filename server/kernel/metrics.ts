import type { Express } from 'express';
import { Registry } from 'prom-client';

/**
 * The node's Prometheus registry, served as `GET /metrics` (text exposition format). One registry per node, not
 * prom-client's global one, so several nodes in one process (tests) do not collide. Domains register their own
 * metrics on it, named `hawker_<domain>_...`. Like /readyz it is unauthenticated: scrape it on the private network and
 * deny it at the public proxy (docs/media.md).
 */
export function createMetrics(app: Express): Registry {
  const registry = new Registry();
  app.get('/metrics', (_req, res, next) => {
    registry.metrics().then((text) => {
      res.setHeader('content-type', registry.contentType);
      res.send(text);
    }, next);
  });
  return registry;
}
