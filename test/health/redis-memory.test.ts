import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { expect, inject, it } from 'vitest';
import { RedisMemoryMonitor, type Headroom } from '../../server/health/redisMemory.ts';
import { startLocalRedis } from '../../server/kernel/localRedis.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const MiB = 1024 * 1024;

type Ready = { status: number; body: { ok: boolean; degraded: boolean; redis: { ok: boolean; error?: string; memory?: Headroom } } };
const readyz = async (url: string): Promise<Ready> => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Ready['body'] };
};
/** The node's gauges, from GET /metrics. */
const gauges = async (url: string): Promise<Record<string, number>> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^(hawker_redis_memory_\w+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
};
const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
/** A Redis connection for the test itself (closed at teardown). */
const client = (url: string) => t.add(new Redis(url, { maxRetriesPerRequest: 1 }));
/** A pino logger whose lines the test reads. */
function capturedLog() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines, warns: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

it('Redis launched by Hawker (and the test run) has a maxmemory and noeviction', async () => {
  const redis = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-maxmem-'), maxmemoryMb: 96 }));
  const own = client(redis.url);
  expect(await own.config('GET', 'maxmemory')).toEqual(['maxmemory', String(96 * MiB)]);
  expect(await own.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
  const runs = client(inject('redisUrl'));
  expect(Number(((await runs.config('GET', 'maxmemory')) as string[])[1])).toBeGreaterThan(0);
});

it('/readyz and the gauges report Redis memory headroom: degraded above REDIS_MEMORY_WARN_RATIO, 503 at maxmemory', async () => {
  const redis = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-headroom-'), maxmemoryMb: 64 }));
  const node = t.add(await startNode({ REDIS_MEMORY_WARN_RATIO: '0.8' }, redis.url));
  const admin = client(redis.url);

  const calm = await readyz(node.url);
  expect(calm.status).toBe(200);
  expect(calm.body).toMatchObject({
    ok: true,
    degraded: false,
    redis: { ok: true, memory: { maxBytes: 64 * MiB, warnRatio: 0.8, status: 'ok' } },
  });
  expect(calm.body.redis.memory!.usedBytes).toBeGreaterThan(0);
  const g = await gauges(node.url);
  expect(g.hawker_redis_memory_max_bytes).toBe(64 * MiB);
  expect(g.hawker_redis_memory_used_bytes).toBeGreaterThan(0);
  expect(g.hawker_redis_memory_used_ratio).toBeCloseTo(g.hawker_redis_memory_used_bytes! / (64 * MiB), 2);

  // Shrink maxmemory so that what Redis holds is ~87% of it: still taking writes, but low on headroom.
  await admin.config('SET', 'maxmemory', String(Math.floor((await usedMemory(admin)) / 0.87)));
  const low = await waitFor('readyz to report low headroom', async () => {
    const r = await readyz(node.url);
    return r.body.redis.memory?.status === 'low' ? r : undefined;
  });
  expect(low.status).toBe(200); // every node shares this Redis: failing readiness would take them all out while it works
  expect(low.body).toMatchObject({ ok: true, degraded: true, redis: { ok: true } });
  expect(low.body.redis.memory!.usedRatio).toBeGreaterThanOrEqual(0.8);
  expect((await gauges(node.url)).hawker_redis_memory_used_ratio).toBeGreaterThanOrEqual(0.8);

  // Below what it holds: a noeviction Redis refuses writes, so the node is not ready.
  await admin.config('SET', 'maxmemory', String(Math.floor((await usedMemory(admin)) / 2)));
  const full = await waitFor('readyz 503 at maxmemory', async () => {
    const r = await readyz(node.url);
    return r.status === 503 ? r : undefined;
  });
  expect(full.body).toMatchObject({ ok: false, redis: { ok: false, memory: { status: 'full' } } });
  expect(full.body.redis.error).toMatch(/maxmemory/);

  await admin.config('SET', 'maxmemory', String(64 * MiB));
  await waitFor('readyz 200 again', async () => (await readyz(node.url)).status === 200);
});

it('the node warns once per crossing of the warn ratio, not on every poll, and says when headroom is back', async () => {
  const redis = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-crossing-'), maxmemoryMb: 64 }));
  const conn = client(redis.url);
  const { log, lines, warns } = capturedLog();
  const monitor = t.add(new RedisMemoryMonitor(conn, { warnRatio: 0.8, everyMs: 20, log }).start());
  const polls = async (n: number) => {
    for (let i = 0; i < n; i++) await monitor.poll();
  };
  await polls(3);
  expect(warns()).toEqual([]); // a well-configured Redis with room: nothing to say at start or per poll

  await conn.config('SET', 'maxmemory', String(Math.floor((await usedMemory(conn)) / 0.87)));
  await waitFor('the low-headroom warning', () => warns().length === 1);
  await polls(5); // the timer polls too, every 20 ms
  await new Promise((r) => setTimeout(r, 200)); // a quiet window of ~10 timer polls: the absence of a second warning is the check
  expect(warns()).toHaveLength(1);
  expect(warns()[0]).toMatch(/Redis memory at 8\d% of maxmemory .* above REDIS_MEMORY_WARN_RATIO=0\.8/);

  await conn.config('SET', 'maxmemory', String(64 * MiB));
  await waitFor('the headroom-restored line', () => lines.some((l) => l.level === 30 && /back to \d+% of maxmemory/.test(l.msg)));
  await conn.config('SET', 'maxmemory', String(Math.floor((await usedMemory(conn)) / 0.87)));
  await waitFor('a warning for the second crossing', () => warns().length === 2);
  await conn.config('SET', 'maxmemory', String(64 * MiB));
});

it('at start, a Redis that may evict keys or has no maxmemory is warned about (money keys would be evicted)', async () => {
  const redis = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-evicting-') }));
  const conn = client(redis.url);
  await conn.config('SET', 'maxmemory-policy', 'allkeys-lru');
  await conn.config('SET', 'maxmemory', '0');
  const { log, warns } = capturedLog();
  t.add(new RedisMemoryMonitor(conn, { warnRatio: 0.8, everyMs: 60_000, log }).start());
  await waitFor('two start-up warnings', () => warns().length === 2);
  expect(warns()[0]).toMatch(/maxmemory-policy is allkeys-lru: when Redis fills it EVICTS keys.*orders.*noeviction/);
  expect(warns()[1]).toMatch(/maxmemory is 0 \(unlimited\)/);
});
