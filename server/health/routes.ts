import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { WorkerPool } from '../../media/workerPool.ts';
import { checkRedis } from '../kernel/redis.ts';

/**
 * `/healthz`: the process is up (for liveness probes; never touches dependencies, so a Redis outage does not get the
 * pod killed). `/readyz`: Redis answers and will not evict keys, and every mediasoup worker is alive (for readiness
 * probes and load balancers).
 */
export function healthRoutes(deps: { redis: Redis; media: WorkerPool; startedAt: number }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, uptimeS: Math.round((Date.now() - deps.startedAt) / 1000), pid: process.pid });
  });
  router.get('/readyz', async (_req, res) => {
    const [redis, workers] = [await checkRedis(deps.redis), deps.media.health()];
    const ok = redis.ok && workers.ok;
    res.status(ok ? 200 : 503).json({ ok, redis, workers });
  });
  return router;
}
