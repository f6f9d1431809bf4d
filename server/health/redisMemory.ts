import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Logger } from '../kernel/log.ts';

/** How often each node reads Redis's INFO memory (one small command; the warning needs no finer grain). */
export const REDIS_MEMORY_POLL_MS = 5_000;
/**
 * Once warned, the ratio must fall this far below REDIS_MEMORY_WARN_RATIO before "headroom restored" is logged and a
 * new crossing can warn again: memory hovering at the threshold would otherwise log on every poll.
 */
const HYSTERESIS = 0.05;

/** Redis's memory as INFO memory reports it. `maxBytes` 0: no maxmemory (Redis grows until the host runs out). */
export interface RedisMemory {
  usedBytes: number;
  maxBytes: number;
  policy: string;
}

/**
 * How close Redis is to its maxmemory: `ok`; `low` at or above `warnRatio`; `full` at maxmemory, where a noeviction
 * Redis refuses every write that needs memory (orders included); `unbounded` with no maxmemory (nothing to compare).
 */
export type HeadroomStatus = 'ok' | 'low' | 'full' | 'unbounded';

/** What /readyz reports as `redis.memory`, and what the gauges and the warning are computed from. */
export interface Headroom {
  usedBytes: number;
  maxBytes: number;
  /** used / max; null without maxmemory. */
  usedRatio: number | null;
  warnRatio: number;
  status: HeadroomStatus;
}

/** Parses the `memory` section of INFO (used_memory, maxmemory, maxmemory_policy). */
export function parseMemoryInfo(info: string): RedisMemory {
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
  const used = Number(field('used_memory'));
  const max = Number(field('maxmemory') ?? 0);
  if (!Number.isFinite(used)) throw new Error('INFO memory has no used_memory');
  return { usedBytes: used, maxBytes: Number.isFinite(max) ? max : 0, policy: field('maxmemory_policy') ?? 'unknown' };
}

export function headroom(m: RedisMemory, warnRatio: number): Headroom {
  if (m.maxBytes <= 0) return { usedBytes: m.usedBytes, maxBytes: 0, usedRatio: null, warnRatio, status: 'unbounded' };
  const usedRatio = Math.round((m.usedBytes / m.maxBytes) * 10_000) / 10_000;
  const status: HeadroomStatus = m.usedBytes >= m.maxBytes ? 'full' : usedRatio >= warnRatio ? 'low' : 'ok';
  return { usedBytes: m.usedBytes, maxBytes: m.maxBytes, usedRatio, warnRatio, status };
}

/** One INFO memory (allowed on managed Redis services, unlike CONFIG), bounded by `timeoutMs`. */
export async function readRedisMemory(redis: Redis, timeoutMs = 1_000): Promise<RedisMemory> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      redis.info('memory'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return parseMemoryInfo(info);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * maxmemory and its policy as configured: CONFIG GET, which managed services (ElastiCache, Memorystore, Upstash...)
 * often refuse, then INFO memory, which reports the same two values.
 */
export async function readMemoryConfig(redis: Redis): Promise<{ maxBytes: number; policy: string; source: 'CONFIG GET' | 'INFO' }> {
  try {
    const [, max] = (await redis.config('GET', 'maxmemory')) as string[];
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (max !== undefined && policy !== undefined) return { maxBytes: Number(max), policy, source: 'CONFIG GET' };
  } catch {
    // refused (managed Redis, renamed command, ACL): INFO below
  }
  const m = await readRedisMemory(redis, 5_000);
  return { maxBytes: m.maxBytes, policy: m.policy, source: 'INFO' };
}

/** What is unsafe in a Redis's memory settings, one sentence each saying why and what to set. */
export function memoryConfigProblems(c: { maxBytes: number; policy: string }): string[] {
  const problems: string[] = [];
  if (c.policy !== 'noeviction') {
    problems.push(
      `maxmemory-policy is ${c.policy}: when Redis fills it EVICTS keys, which can silently drop stock counters, reservations, orders and idempotency keys (oversold stock, orders lost or charged twice). Set maxmemory-policy noeviction, so a full Redis refuses writes instead; /readyz answers 503 until then`,
    );
  }
  if (c.maxBytes <= 0) {
    problems.push(
      'maxmemory is 0 (unlimited): Redis grows until the host runs out of memory and the kernel kills it (losing up to a second of writes) or swaps. Set maxmemory (e.g. 70% of the host memory, leaving room for AOF rewrites) with noeviction',
    );
  }
  return problems;
}

const MiB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * Watches Redis's memory from one node: checks the memory settings once at start (a warning per unsafe setting),
 * then reads INFO memory every `everyMs` on one unref'd timer, and logs a warning once when used/max crosses
 * `warnRatio` (an error once when Redis is full), and once when it is back below (with hysteresis), not on every poll.
 * Its gauges read Redis at scrape time. `close()` stops the timer and waits for a poll in progress.
 */
export class RedisMemoryMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;
  /** The level last logged: 0 ok, 1 low, 2 full. */
  private level = 0;
  private refreshing: Promise<Headroom | undefined> | undefined;
  private configClient: Redis | undefined;
  latest: Headroom | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly opts: { warnRatio: number; everyMs: number; log: Logger },
  ) {}

  start(): this {
    this.running = this.checkConfig().then(() => this.poll());
    this.schedule();
    return this;
  }

  /** Reads INFO memory now, updates `latest` and logs a crossing. Undefined if Redis did not answer. */
  poll(): Promise<Headroom | undefined> {
    this.refreshing ??= readRedisMemory(this.redis)
      .then(
        (m) => {
          const h = headroom(m, this.opts.warnRatio);
          this.latest = h;
          this.logCrossing(h);
          return h;
        },
        (err: Error) => {
          // An outage is reported by /readyz and the redis connection's own log line; one debug line per poll here.
          this.opts.log.debug({ err: err.message }, 'reading Redis memory failed');
          return undefined;
        },
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** The three gauges, read from Redis at scrape time (one INFO per scrape, shared by the three). */
  register(registry: Registry): void {
    const monitor = this;
    const gauge = (name: string, help: string, pick: (h: Headroom) => number | null) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          const h = (await monitor.poll()) ?? monitor.latest;
          this.reset();
          const v = h ? pick(h) : null;
          if (v !== null) this.set(v);
        },
      });
    gauge('hawker_redis_memory_used_bytes', 'Redis used_memory (INFO memory), bytes', (h) => h.usedBytes);
    gauge(
      'hawker_redis_memory_max_bytes',
      'Redis maxmemory, bytes (0: none set, Redis can grow until the host runs out)',
      (h) => h.maxBytes,
    );
    gauge(
      'hawker_redis_memory_used_ratio',
      'Redis used_memory / maxmemory (absent without maxmemory); the node warns at REDIS_MEMORY_WARN_RATIO, writes fail at 1',
      (h) => h.usedRatio,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.configClient?.disconnect(); // a start-up check still waiting for Redis ends now
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.refreshing;
  }

  private schedule(): void {
    if (this.closed) return;
    // A chain of timeouts rather than an interval: a slow answer delays the next poll instead of stacking them.
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => this.schedule());
    }, this.opts.everyMs);
    this.timer.unref(); // never what keeps a process alive
  }

  /**
   * On a connection of its own, closed after: CONFIG is an admin command that managed services refuse, and queued on
   * the shared auto-pipelined connection while it is still connecting it corrupts that pipeline (ioredis 5).
   */
  private async checkConfig(): Promise<void> {
    const client = this.redis.duplicate({
      enableAutoPipelining: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {}); // a refused connection is reported below
    this.configClient = client;
    try {
      await client.connect();
      const c = await readMemoryConfig(client);
      for (const problem of memoryConfigProblems(c)) {
        this.opts.log.warn({ maxmemory: c.maxBytes, policy: c.policy, source: c.source }, `Redis: ${problem}`);
      }
    } catch (err) {
      if (!this.closed) this.opts.log.warn({ err: (err as Error).message }, 'could not read Redis maxmemory settings at start');
    } finally {
      client.disconnect();
      this.configClient = undefined;
    }
  }

  private logCrossing(h: Headroom): void {
    const level = h.status === 'full' ? 2 : h.status === 'low' ? 1 : 0;
    const fields = { usedBytes: h.usedBytes, maxBytes: h.maxBytes, usedRatio: h.usedRatio, warnRatio: h.warnRatio };
    if (level > this.level) {
      this.level = level;
      if (level === 2) {
        this.opts.log.error(
          fields,
          `Redis is at maxmemory (${mib(h.usedBytes)} of ${mib(h.maxBytes)}): every write that needs memory fails now, orders included. Raise maxmemory (REDIS_MAXMEMORY_MB for the Redis Hawker launches) or find what grew (docs/redis-keys.md)`,
        );
      } else {
        this.opts.log.warn(
          fields,
          `Redis memory at ${Math.round((h.usedRatio ?? 0) * 100)}% of maxmemory (${mib(h.usedBytes)} of ${mib(h.maxBytes)}), above REDIS_MEMORY_WARN_RATIO=${h.warnRatio}: when it is full, writes fail (orders included). Raise maxmemory (REDIS_MAXMEMORY_MB for the Redis Hawker launches) or find what grows (docs/redis-keys.md)`,
        );
      }
    } else if (level < this.level) {
      if (h.usedRatio === null || h.usedRatio < h.warnRatio - HYSTERESIS) {
        this.level = 0;
        this.opts.log.info(
          fields,
          `Redis memory back to ${h.usedRatio === null ? 'no maxmemory' : `${Math.round(h.usedRatio * 100)}% of maxmemory`}`,
        );
      } else if (this.level === 2) {
        this.level = 1; // no longer full, still close: filling up again is a new crossing
      }
    }
  }
}

/** The node's memory watch as a domain: one monitor per node, its gauges on the node's registry, closed with it. */
export function createRedisMemoryMonitor(ctx: HawkerContext, metrics: Registry): Domain & { monitor: RedisMemoryMonitor } {
  const monitor = new RedisMemoryMonitor(ctx.redis, {
    warnRatio: ctx.config.REDIS_MEMORY_WARN_RATIO,
    everyMs: REDIS_MEMORY_POLL_MS,
    log: ctx.log.child({ module: 'redis-memory' }),
  }).start();
  monitor.register(metrics);
  return { name: 'redis-memory', monitor, close: () => monitor.close() };
}
