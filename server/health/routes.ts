import { Router } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { WorkerPool } from '../../media/workerPool.ts';
import { checkRedis } from '../kernel/redis.ts';
import { headroom, readRedisMemory, type Headroom } from './redisMemory.ts';

/** A ledger answering slower than this counts as down for readiness (orders would answer UNAVAILABLE anyway). */
const LEDGER_PROBE_TIMEOUT_MS = 2_000;

/** Whether the PostgreSQL ledger answers, and how fast. */
async function checkLedger(pool: pg.Pool): Promise<{ ok: boolean; latencyMs?: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pool.query('SELECT 1'),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`no answer within ${LEDGER_PROBE_TIMEOUT_MS} ms`)), LEDGER_PROBE_TIMEOUT_MS)),
      ),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up (for liveness probes; never touches dependencies, so a Redis outage does not get the
 * pod killed). `/readyz`: Redis answers, will not evict keys and has room for writes, and every mediasoup worker is
 * alive (for readiness probes and load balancers), and the PostgreSQL ledger answers (orders cannot be taken without
 * it).
 *
 * Redis memory (`redis.memory`: used, max, ratio, status): at maxmemory a noeviction Redis refuses writes, so the node
 * is not ready (503), like a Redis that does not answer. Above `memoryWarnRatio` it still works: the answer stays 200
 * with `degraded: true`, because every node shares the one Redis and failing readiness there would take every node out
 * of the load balancer while Redis still takes writes. No maxmemory: reported (`status: unbounded`), not failed.
 */
export function healthRoutes(deps: {
  redis: Redis;
  media: WorkerPool;
  ledger?: pg.Pool;
  startedAt: number;
  /** REDIS_MEMORY_WARN_RATIO */
  memoryWarnRatio: number;
}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, uptimeS: Math.round((Date.now() - deps.startedAt) / 1000), pid: process.pid });
  });
  router.get('/readyz', async (_req, res) => {
    const [health, memory, ledger] = await Promise.all([
      checkRedis(deps.redis),
      readRedisMemory(deps.redis).then(
        (m): Headroom => headroom(m, deps.memoryWarnRatio),
        () => undefined, // Redis not answering: checkRedis reports it
      ),
      deps.ledger ? checkLedger(deps.ledger) : undefined,
    ]);
    const redis =
      memory?.status === 'full' && health.ok
        ? { ...health, ok: false, error: 'Redis is at maxmemory: it refuses writes (raise maxmemory or free memory)', memory }
        : { ...health, ...(memory ? { memory } : {}) };
    const workers = deps.media.health();
    const ok = redis.ok && workers.ok && (ledger?.ok ?? true);
    const degraded = memory?.status === 'low';
    res.status(ok ? 200 : 503).json({ ok, degraded, redis, workers, ...(ledger ? { ledger } : {}) });
  });
  return router;
}
