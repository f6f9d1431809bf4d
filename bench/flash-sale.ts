/**
 * P1 flash sale: B buyers on real sockets (one identity each) race for U units of one flash sale; attempts/s, server
 * CPU per attempt, p50/p99 time to answer, oversell. Then the same buyers, same load processes, same Redis, against
 * the baselines (bench/flash-sale/baselineServer.ts: one Socket.IO server, the same rules, differing only in the stock
 * step): one Lua script (`lua`), Redis WATCH/MULTI optimistic transactions retried until they succeed or sell out
 * (`watch`), a per-SKU SET NX PX lock with jittered backoff (`lock`), and the naive read-then-decrement (`naive`),
 * which oversells. And Hawker itself with its stock step swapped the same ways (`hawker-watch`, `hawker-lock`,
 * `hawker-naive`: the node's BENCH_STOCK_STEP, server/stock/benchReserve.ts), so the whole server is the same and
 * only the stock step differs.
 *
 *   npm run bench:flash-sale -- [--buyers 10000] [--units 1000] [--attempts 2] [--procs 4]
 *     [--only hawker,hawker-watch,hawker-lock,hawker-naive,lua,watch,lock,naive] [--watch-connections 16] [--lease-ms 500] [--set KEY=VALUE ...]
 */
import { once } from 'node:events';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { liveRoomWithProduct, saleCounts, scheduleSale } from '../harness/commerce.ts';
import { markWindow, spawnNode } from '../harness/nodeProcess.ts';
import { readMetrics, tickCosts } from './lib/metrics.ts';
import { nodeSettings } from './lib/settings.ts';
import { CpuMeter, writeSyscalls } from './lib/cpu.ts';
import { forkTs, LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchRedis } from './lib/setup.ts';
import type { StockMode } from './flash-sale/baselineServer.ts';
import type { StockStep } from '../server/stock/benchReserve.ts';

const { values: opt } = parseArgs({
  options: {
    buyers: { type: 'string', default: '10000' },
    units: { type: 'string', default: '1000' },
    attempts: { type: 'string', default: '2' },
    procs: { type: 'string', default: '4' },
    only: { type: 'string', default: 'hawker,lua,watch,lock,naive' },
    'watch-connections': { type: 'string', default: '16' },
    'lease-ms': { type: 'string', default: '500' },
    // A node setting for the Hawker systems' nodes (repeatable): an A/B of one setting, e.g. --set SOCKET_COALESCE_FLUSHES=false.
    set: { type: 'string', multiple: true, default: [] },
  },
});
const BUYERS = Number(opt.buyers);
const UNITS = Number(opt.units);
const ATTEMPTS = Number(opt.attempts);
const PROCS = Number(opt.procs);
const LIMIT = 1;
const WATCH_CONNECTIONS = Number(opt['watch-connections']);
const LEASE_MS = Number(opt['lease-ms']);
/** The node settings given with --set. */
const SETTINGS = nodeSettings(opt.set);
const SECRET = 'bench-secret-0123456789abcdef';

interface Target {
  system: string;
  url: string;
  roomId: string;
  saleId: string;
  pids: Record<string, number>;
  /** Stock-step retries (WATCH conflicts, lock waits), when the system counts them. */
  retries?(): Promise<Record<string, number>>;
  /** The node's tick fan-out counters so far (Hawker's /metrics): what the race cost in live-stock and stats pushes. */
  ticks?(): Promise<Record<string, Record<string, number>>>;
  /** Units actually taken, from Redis: what the store says after the race. */
  counters(): Promise<{ taken: number; left: number; conserved: boolean; detail: unknown }>;
  /** HAWKER_NODE_WINDOW_PROF: start or stop profiling the race window in the node (Hawker's nodes only). */
  window?(phase: 'start' | 'stop'): Promise<void>;
  close(): Promise<void>;
}

/** Hawker with each stock step (BENCH_STOCK_STEP): the system names `--only` takes, and their rows' labels. */
const HAWKERS: Record<string, { step: StockStep; label: string }> = {
  hawker: { step: 'lua', label: 'hawker (one reserve script)' },
  'hawker-watch': { step: 'watch', label: 'hawker, step WATCH/MULTI' },
  'hawker-lock': { step: 'lock', label: 'hawker, step SET NX PX lock' },
  'hawker-naive': { step: 'naive', label: 'hawker, step naive' },
};

async function hawker(name: string, redisUrl: string, redisPid: number): Promise<Target> {
  const { step, label } = HAWKERS[name]!;
  // Payments are P3's subject: no worker here, so the race measures reservation alone.
  // 120 s to start: on the shared box a node has taken over 30 s to report ready.
  const node = await spawnNode(
    {
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      MEDIASOUP_WORKERS: '1',
      PAYMENT_WORKER: 'false',
      // The same pool size and lease as the bare server's baselines.
      BENCH_STOCK_STEP: step,
      BENCH_STOCK_WATCH_CONNECTIONS: String(WATCH_CONNECTIONS),
      BENCH_STOCK_LOCK_LEASE_MS: String(LEASE_MS),
      ...SETTINGS,
    },
    redisUrl,
    120_000,
  );
  onCleanup(() => node.kill());
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: UNITS * 2 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: UNITS, perBuyerLimit: LIMIT, durationMs: 30 * 60_000 });
  const redis = new Redis(redisUrl);
  return {
    system: label,
    url: node.url,
    roomId: room.id,
    saleId: sale.id,
    pids: { server: node.pid, redis: redisPid },
    retries: step === 'lua' ? undefined : () => stockRetries(node.url),
    ticks: () => tickCosts(node.url),
    window: (phase) => markWindow(node, phase),
    async counters() {
      const c = await saleCounts(redis, node.prefix, sale.id);
      return {
        taken: c.reserved + c.sold,
        left: c.left,
        conserved: c.left + c.reserved + c.sold + c.returned === c.quantity && c.left >= 0,
        detail: c,
      };
    },
    async close() {
      redis.disconnect();
      await node.close();
    },
  };
}

/** The node's benchmark stock-step retries, from its /metrics (hawker_bench_stock_retries_total{kind}). */
async function stockRetries(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await readMetrics(url, 'hawker_bench_stock_retries_total')) if (s.labels.kind) out[s.labels.kind] = s.value;
  return out;
}

const BASELINES: Record<StockMode, string> = {
  lua: 'baseline: one Lua script',
  watch: 'baseline: WATCH/MULTI, retried',
  lock: 'baseline: SET NX PX lock + backoff',
  naive: 'baseline: naive GET, check, DECR',
};

/** The baseline server with stock step `mode`, on a fresh key prefix of the same Redis. */
async function baseline(mode: StockMode, redisUrl: string, redisPid: number): Promise<Target> {
  const prefix = `${mode}:`;
  const redis = new Redis(redisUrl);
  await redis.set(`${prefix}stock:sale1`, UNITS);
  const child = forkTs('bench/flash-sale/baselineServer.ts', [
    JSON.stringify({ redisUrl, prefix, limit: LIMIT, mode, watchConnections: WATCH_CONNECTIONS, leaseMs: LEASE_MS }),
  ]);
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  return {
    system: BASELINES[mode],
    url: ready.url,
    roomId: 'room1',
    saleId: 'sale1',
    pids: { server: child.pid!, redis: redisPid },
    async retries() {
      child.send({ stats: true });
      const [m] = (await once(child, 'message')) as [{ stats: Record<string, number> }];
      return m.stats;
    },
    async counters() {
      const [left, sold] = (await redis.mget(`${prefix}stock:sale1`, `${prefix}sold:sale1`)).map(Number);
      return { taken: sold!, left: left!, conserved: left! + sold! === UNITS && left! >= 0, detail: { left, sold } };
    },
    async close() {
      redis.disconnect();
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function race(target: Target) {
  progress(`${target.system}: connecting ${BUYERS} buyers over ${PROCS} processes to ${target.url}`);
  const per = Math.ceil(BUYERS / PROCS);
  let connected = 0;
  const procs = Array.from({ length: PROCS }, (_, p) =>
    LoadProcess.start(
      `buyers${p}`,
      'bench/flash-sale/buyers.ts',
      {
        url: target.url,
        roomId: target.roomId,
        saleId: target.saleId,
        secret: SECRET,
        idPrefix: `b${p}_`,
        count: Math.min(per, BUYERS - p * per),
        attempts: ATTEMPTS,
      },
      () => progress(`  ${(connected += 500)} buyers in the room`),
    ),
  );
  try {
    await Promise.all(procs.map((p) => p.call('connect', {}, 600_000)));
    progress(`${target.system}: go: ${BUYERS} buyers x ${ATTEMPTS} attempts for ${UNITS} units`);
    // The load processes are metered too: on one box they compete with the server for the same cores.
    const cpu = new CpuMeter({ ...target.pids, ...Object.fromEntries(procs.map((p, i) => [`load${i}`, p.pid])) });
    const ticksBefore = await target.ticks?.();
    const writes0 = writeSyscalls(target.pids.server!) ?? 0;
    await target.window?.('start');
    cpu.start();
    const runs = await Promise.all(
      procs.map((p) =>
        p.call<{ firstSent: number; lastAnswer: number; latencies: number[]; outcomes: Record<string, number>; reserved: string[] }>(
          'fire',
          { at: Date.now() + 500 },
          300_000,
        ),
      ),
    );
    const cores = cpu.stop();
    progress(`${target.system}: race over`);
    await target.window?.('stop');
    const serverWrites = (writeSyscalls(target.pids.server!) ?? 0) - writes0;
    const latencies = runs.flatMap((r) => r.latencies);
    const outcomes: Record<string, number> = {};
    for (const r of runs) for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
    const seconds = (Math.max(...runs.map((r) => r.lastAnswer)) - Math.min(...runs.map((r) => r.firstSent))) / 1000;
    const store = await target.counters();
    const retries = (await target.retries?.()) ?? {};
    const ticksAfter = await target.ticks?.();
    // Per event, what the race's ticks cost (after minus before): pushes, socket writes, writes dropped (volatile).
    const ticks = ticksAfter
      ? Object.fromEntries(
          Object.entries(ticksAfter).map(([event, c]) => [
            event,
            Object.fromEntries(Object.entries(c).map(([field, n]) => [field, n - (ticksBefore?.[event]?.[field] ?? 0)])),
          ]),
        )
      : undefined;
    const reservedAcks = outcomes.reserved ?? 0;
    return {
      system: target.system,
      buyers: BUYERS,
      attempts: latencies.length,
      seconds,
      attemptsPerSec: latencies.length / seconds,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
      outcomes,
      retries,
      ...(ticks ? { ticks } : {}),
      reservedAcks,
      store,
      // Units promised to buyers beyond what existed: from the answers buyers got, and from the store's own counters.
      oversell: Math.max(0, reservedAcks - UNITS, store.taken - UNITS),
      serverCpuCores: cores.server!,
      redisCpuCores: cores.redis!,
      loadCpuCores: procs.reduce((sum, _, i) => sum + cores[`load${i}`]!, 0),
      // CPU per attempt is the load-independent figure: attempts/s moves with whatever else the machine runs.
      serverCpuMsPerAttempt: (cores.server! * cpu.wallSeconds * 1000) / latencies.length,
      // Write system calls (sockets, Redis, logs) per attempt: the write path's cost, whatever the machine's load.
      serverWritesPerAttempt: serverWrites / latencies.length,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

runMain(
  'bench:flash-sale',
  async () => {
    const redis = await benchRedis('flash');
    const results = [];
    const systems = opt.only.split(',').map((x) => x.trim());
    for (const name of systems) {
      if (!Object.hasOwn(HAWKERS, name) && !Object.hasOwn(BASELINES, name)) throw new Error(`--only: unknown system ${name}`);
    }
    for (const name of systems) {
      const target = Object.hasOwn(HAWKERS, name)
        ? await hawker(name, redis.url, redis.pid)
        : await baseline(name as StockMode, redis.url, redis.pid);
      try {
        results.push({ name, ...(await race(target)) });
      } finally {
        await target.close();
      }
    }
    printTable(`P1 flash sale: ${BUYERS} buyers on real sockets x ${ATTEMPTS} attempts, ${UNITS} units, limit ${LIMIT} per buyer`, [
      [
        'system',
        'attempts',
        'attempts/s',
        'p50 ms',
        'p99 ms',
        'reserved',
        'oversell',
        'stock conserved',
        'server CPU',
        'server CPU ms/attempt',
        'server writes/attempt',
        'redis CPU',
        'load gen CPU',
        'stock retries',
      ],
      ...results.map((r) => [
        r.system,
        r.attempts,
        Math.round(r.attemptsPerSec),
        round(r.latencyMs.p50),
        round(r.latencyMs.p99),
        r.reservedAcks,
        r.oversell,
        r.store.conserved ? 'yes' : `NO ${JSON.stringify(r.store.detail)}`,
        `${round(r.serverCpuCores * 100)}%`,
        round(r.serverCpuMsPerAttempt, 3),
        round(r.serverWritesPerAttempt, 2),
        `${round(r.redisCpuCores * 100)}%`,
        `${round(r.loadCpuCores * 100)}%`,
        Object.entries(r.retries)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || '–',
      ]),
    ]);
    for (const r of results) console.log(`${r.system}: answers ${JSON.stringify(r.outcomes)}`);
    for (const r of results.filter((x) => x.ticks)) {
      const t = Object.entries(r.ticks!)
        .map(([event, c]) => `${event} ${c.pushes ?? 0} pushes, ${c.writes ?? 0} socket writes (${c.dropped ?? 0} dropped)`)
        .join('; ');
      console.log(`${r.system}: ticks during the race: ${t}`);
    }
    // Ratios against Hawker as shipped (its own reserve script); the issue's goals compare it with the other rows.
    const h = results.find((r) => r.name === 'hawker');
    for (const b of results.filter((r) => r !== h && h)) {
      console.log(
        `hawker / ${b.system}: attempts/s ${round(h!.attemptsPerSec / b.attemptsPerSec, 2)}x; server CPU per attempt ${round(h!.serverCpuMsPerAttempt / b.serverCpuMsPerAttempt, 2)}x; p99 ${round(h!.latencyMs.p99 / b.latencyMs.p99, 2)}x; ${b.system} oversold by ${b.oversell} units`,
      );
    }
    const naive = results.find((r) => r.name === 'hawker-naive');
    const correct = results.filter((r) => r.name === 'hawker-watch' || r.name === 'hawker-lock');
    if (h && naive)
      console.log(
        `goal server CPU per attempt <= 1.3x hawker-naive's: ${h.serverCpuMsPerAttempt <= 1.3 * naive.serverCpuMsPerAttempt ? 'met' : 'NOT met'} (${round(h.serverCpuMsPerAttempt / naive.serverCpuMsPerAttempt, 2)}x)`,
      );
    for (const c of correct)
      console.log(
        `goal attempts/s >= 3x ${c.name}'s: ${h && h.attemptsPerSec >= 3 * c.attemptsPerSec ? 'met' : 'NOT met'} (${h ? round(h.attemptsPerSec / c.attemptsPerSec, 2) : '?'}x)`,
      );
    if (h)
      console.log(
        `goal >= 10,000 attempts/s and 0 oversell: ${h.attemptsPerSec >= 10_000 ? 'met' : 'NOT met'} (${Math.round(h.attemptsPerSec)}/s), oversell ${h.oversell}`,
      );
    console.log(
      `machine load average: ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')} on ${os.availableParallelism()} cores`,
    );
    console.log(
      `\nwrote ${writeResult('flash-sale', { options: { BUYERS, UNITS, ATTEMPTS, PROCS, LIMIT, WATCH_CONNECTIONS, LEASE_MS }, results })}`,
    );
    // Hawker's own step and the two correct baselines must never oversell (the naive ones are expected to).
    const wrong = results.filter((r) => ['hawker', 'hawker-watch', 'hawker-lock'].includes(r.name) && r.oversell > 0);
    if (wrong.length > 0) throw new Error(`oversold: ${wrong.map((r) => `${r.system} by ${r.oversell}`).join(', ')}`);
  },
  900,
);
