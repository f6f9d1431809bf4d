import { Router } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { WorkerPool } from '../../media/workerPool.ts';
import { checkRedis } from '../kernel/redis.ts';

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
 * pod killed). `/readyz`: Redis answers and will not evict keys, and every mediasoup worker is alive (for readiness
 * probes and load balancers), and the PostgreSQL ledger answers (orders cannot be taken without it).
 */
export function healthRoutes(deps: { redis: Redis; media: WorkerPool; ledger?: pg.Pool; startedAt: number }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, uptimeS: Math.round((Date.now() - deps.startedAt) / 1000), pid: process.pid });
  });
  router.get('/readyz', async (_req, res) => {
    const [redis, ledger] = await Promise.all([checkRedis(deps.redis), deps.ledger ? checkLedger(deps.ledger) : undefined]);
    const workers = deps.media.health();
    const ok = redis.ok && workers.ok && (ledger?.ok ?? true);
    res.status(ok ? 200 : 503).json({ ok, redis, workers, ...(ledger ? { ledger } : {}) });
  });
  return router;
}
