import type { Redis } from 'ioredis';

/**
 * Key families that change on their own while a node runs (heartbeats, the adapter's stream, like totals, the
 * going-live notice fan-out's BullMQ jobs, which run after the request that queued them), or with every request or
 * connection whatever it does (the REST rate windows, the per-user connection counts).
 */
const MOVING = /^(presence|sio|likes|limits|conns|bull:notices)(:|$)/;

/**
 * Everything a node stores under its prefix, as plain data (minus the families that move on their own), for
 * "this refused request changed nothing" assertions.
 */
export async function redisFingerprint(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix}*`)).filter((k) => !MOVING.test(k.slice(prefix.length))).sort();
  const types = ((await redis.pipeline(keys.map((k) => ['type', k])).exec()) ?? []).map(([, t]) => String(t));
  const reads = keys.map((k, i): [string, ...string[]] => {
    switch (types[i]) {
      case 'string':
        return ['get', k];
      case 'hash':
        return ['hgetall', k];
      case 'set':
        return ['smembers', k];
      case 'zset':
        return ['zrange', k, '0', '-1', 'WITHSCORES'];
      case 'stream':
        return ['xrange', k, '-', '+'];
      default:
        return ['type', k];
    }
  });
  const values = ((await redis.pipeline(reads).exec()) ?? []).map(([, v], i) => (types[i] === 'set' ? [...(v as string[])].sort() : v));
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
}
