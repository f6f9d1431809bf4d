import { Redis, type RedisOptions } from 'ioredis';
import { flattenRedisCommands } from './flatCommands.ts';
import type { Logger } from './log.ts';

/**
 * Opens an ioredis connection for app use. Commands issued while Redis is down fail after a bounded number of
 * retries (instead of queueing forever), so callers answer UNAVAILABLE quickly and /readyz reflects the outage.
 */
export function createRedis(url: string, log: Logger, opts: RedisOptions = {}): Redis {
  // Commands serialised as one flat string each (kernel/flatCommands.ts): the same bytes, far less garbage.
  flattenRedisCommands();
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    ...opts,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'redis connection error; retrying (check REDIS_URL / that redis-server runs)');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
  return redis;
}

/** What /readyz reports about Redis. */
export interface RedisHealth {
  ok: boolean;
  latencyMs?: number;
  maxmemoryPolicy?: string;
  error?: string;
}

/**
 * Redis is ready for Hawker when it answers and will not evict keys: with any other maxmemory-policy a full Redis
 * could silently drop stock counters or orders. Uses INFO (not CONFIG GET), which managed Redis services allow.
 */
export async function checkRedis(redis: Redis, timeoutMs = 1_000): Promise<RedisHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      redis.info('memory'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (policy !== 'noeviction') {
      return { ok: false, latencyMs, maxmemoryPolicy: policy, error: 'maxmemory-policy must be noeviction (set it in redis.conf)' };
    }
    return { ok: true, latencyMs, maxmemoryPolicy: policy };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The connection handed to the Socket.IO streams adapter. The adapter fires SUBSCRIBE / PUBLISH on its duplicated
 * clients without handling their promises, so a Redis blip (or a node closing while it subscribes) would surface as an
 * unhandled rejection, which crashes Node. This client, and every duplicate of it, logs those failures instead; the
 * adapter resubscribes when Redis is back.
 */
export function createAdapterRedis(url: string, log: Logger): Redis {
  const guard = (client: Redis): Redis => {
    client.on('error', (err: Error) => log.debug({ err: err.message }, 'adapter redis error'));
    for (const cmd of ['subscribe', 'publish'] as const) {
      const original = (client[cmd] as (...a: unknown[]) => Promise<unknown>).bind(client);
      (client as unknown as Record<string, unknown>)[cmd] = (...args: unknown[]) => {
        const p = original(...args);
        p.catch((err: Error) => log.warn({ err: err.message }, `adapter ${cmd.toUpperCase()} failed; retried when Redis is back`));
        return p;
      };
    }
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (override) => guard(duplicate(override));
    return client;
  };
  return guard(new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(50 * 2 ** n, 2_000) }));
}
