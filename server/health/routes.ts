import type http from 'node:http';
import { Router, type RequestHandler } from 'express';
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
 * The headers of a JSON answer written without express: what the security-headers middleware `headers` sets (run
 * once on a stand-in response), plus JSON's content type and `no-store`.
 */
export function fixedJsonHeaders(headers: RequestHandler): Record<string, string> {
  const fixed: Record<string, string> = {};
  const capture = {
    setHeader: (name: string, value: unknown) => void (fixed[name] = String(value)),
    removeHeader: (name: string) => void delete fixed[name],
  };
  headers({} as never, capture as never, () => {});
  fixed['Content-Type'] = 'application/json; charset=utf-8';
  fixed['Cache-Control'] = 'no-store';
  return fixed;
}

/**
 * `GET /healthz` answered first, on the HTTP server itself, before express and everything mounted on it (security
 * headers middleware, body parsing, the REST edge guard, routing): under load its latency is only the wait for the
 * event loop, never per-request work. It carries the same security headers as every other answer, computed once from
 * `headers` (the node's security-headers middleware). Returns false for any other request (express handles it).
 */
export function healthzFirst(startedAt: number, headers: RequestHandler): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const fixed = fixedJsonHeaders(headers);
  return (req, res) => {
    if (req.method !== 'GET' || (req.url !== '/healthz' && !req.url?.startsWith('/healthz?'))) return false;
    const body = JSON.stringify({ ok: true, uptimeS: Math.round((Date.now() - startedAt) / 1000), pid: process.pid });
    res.writeHead(200, { ...fixed, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };
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
