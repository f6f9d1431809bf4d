/**
 * Abuse soak (issue 14): many users each pushing every quota at once for a few minutes against one node, loopback
 * only, bounded in time and count. Measured beside a quiet baseline in the same run (the same probes before the
 * abusers start):
 *
 * - `/healthz` latency, probed every `--probe-ms` (goal: p99 under 200 ms while under abuse);
 * - node RSS and Redis used memory, sampled every 5 s (goal: they level off: the last third of the abuse grows far
 *   less than the first third);
 * - a flash sale in the middle of the abuse: `--buyers` buyers each place one order at the same instant (goal: every
 *   buyer gets an answer within 5 s, and no unit is oversold);
 * - what refused each attack (the error code and the limit it named), so a limit that never fired shows up.
 *
 *   npm run bench:soak -- [--seconds 180] [--viewers 60] [--creators 6] [--moderators 2] [--buyers 300] [--pin]
 *                         [--set KEY=VALUE ...]   (a node setting for an A/B run, e.g. --set SOCKET_CUT_REFUSALS=1000000)
 *                         [--nice N]   (the abusers' processes run at nice N: the attack is not on the server's host)
 *                         [--probe child|in]   (where the /healthz probe runs: a process of its own, the default, or this one)
 *
 * Beside the probe's latency it prints the node's own view of each phase, from its /metrics: event-loop delay (p50,
 * p99, max: prom-client resets it at each scrape, and the bench scrapes at each phase's start and end), GC pauses, and
 * the node's CPU, next to how busy the whole machine was. A slow probe with a quick event loop is a machine whose cores
 * were taken by something else (the load generators), not a slow node.
 *
 * `--nice N`: on a real deployment the attackers are elsewhere; here they share the node's 2 cores. Running their
 * processes (every thread) at a lower priority gives the node, Redis and PostgreSQL the CPU first while the abusers
 * still send everything the cores can carry. The buyers and the probe stay at normal priority (they are measured).
 *
 * Where each slow probe's time went (bench/soak/probe.ts): whether it reused its kept-alive connection or opened one
 * (and its connect time), the wait for the answer, how much of it the node's event loop was stalled (the node records
 * its stalls with wall-clock times, bench/soak/stallRecorder.ts), how much the probe's own process was, and the
 * kernel's listen-queue, SYN-retransmit and timeout counters. The probe runs in a process of its own (`--probe child`,
 * forked after `--pin` so it shares the load's CPUs): nothing else runs on its loop, and the bench's own loop delay is
 * printed beside it.
 *
 * `--pin` (Linux, `taskset`): the node gets CPU 0 to itself; the load processes, Redis, PostgreSQL and this process
 * (the probe) share the other CPUs. On a 2-core box the abusers otherwise take the node's CPU, and the figure measures
 * the box rather than Hawker (the issue 20 way of measuring: server and load on separate cores).
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { api } from '../harness/clients.ts';
import { execFileSync } from 'node:child_process';
import { spawnNode } from '../harness/nodeProcess.ts';
import { TokenService } from '../server/auth/tokens.ts';
import type { FlashSale, Principal, Product, Room } from '@hawker/protocol';
import { nodeSettings } from './lib/settings.ts';
import { LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { pinServerApart } from './lib/pin.ts';
import { benchRedis } from './lib/setup.ts';
import { counterDelta, listenCounters, softirqThreads, type ListenCounters } from './lib/netstat.ts';
import { acceptFile, readStalls, stallFile, stalledDuring } from './soak/stallRecorder.ts';
import { inProcessProber, type ProbeRecord, type ProbeSummary, type Prober } from './soak/probe.ts';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** A monitorEventLoopDelay histogram in ms. */
function loopFigures(h: IntervalHistogram): { p50Ms: number; p99Ms: number; maxMs: number } {
  return { p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
}

/** The probe in a child process of its own (bench/soak/probeProcess.ts): its loop runs nothing but the probe. */
function childProber(url: string, everyMs: number): Prober {
  const child = LoadProcess.start('probe', 'bench/soak/probeProcess.ts', { url, everyMs });
  onCleanup(() => child.stop());
  return {
    async start() {
      await child.call('start', {}, 60_000);
    },
    async stop() {
      const s = await child.call<ProbeSummary>('stop', {}, 60_000);
      // IPC is JSON: a failed probe's Infinity arrives as null.
      for (const r of s.records) r.ms ??= Number.POSITIVE_INFINITY;
      return s;
    },
  };
}

/**
 * Where the slow probes' time went: a new connection (and its connect time) or a kept-alive one, the wait for the
 * answer; this process's loop delay; the kernel's listen-queue counters and when they moved.
 */
function printProbeDetail(
  s: ProbeSummary,
  benchLoop: IntervalHistogram,
  counters: ListenCounters,
  series: { atMs: number; c: ListenCounters }[],
  nodeStalls: [number, number][],
): void {
  const finite = s.records.filter((r) => Number.isFinite(r.ms));
  // The slowest probes (at most 15, over 100 ms), in time order.
  const slow = [...s.records]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 15)
    .filter((r) => !(r.ms < 100))
    .sort((a, b) => a.atMs - b.atMs);
  const fresh = finite.filter((r) => r.newConnection);
  const reused = finite.filter((r) => !r.newConnection);
  const row = (name: string, rs: ProbeRecord[]) => [
    name,
    rs.length,
    round(
      percentile(
        rs.map((r) => r.ms),
        50,
      ),
    ),
    round(
      percentile(
        rs.map((r) => r.ms),
        99,
      ),
    ),
    rs.length ? round(Math.max(...rs.map((r) => r.ms))) : '-',
    round(
      percentile(
        rs.map((r) => r.connectMs ?? 0),
        99,
      ),
    ),
    round(
      percentile(
        rs.map((r) => r.waitMs ?? 0),
        99,
      ),
    ),
  ];
  printTable('/healthz under abuse by connection (ms)', [
    ['probes', 'count', 'p50', 'p99', 'max', 'connect p99', 'wait p99'],
    row('on a kept-alive connection', reused),
    row('on a new connection', fresh),
  ]);
  console.log(
    `probe connections: ${s.connectionsOpened} opened, ${s.closedByServer} closed by the node unannounced, ${s.closedByClient} let go by the client (Connection: close or idle), ${s.closedByError} by an error ${JSON.stringify(s.closeErrors)}; ` +
      `probe process loop delay p99 ${round(s.loopDelay.p99Ms)} / max ${round(s.loopDelay.maxMs)} ms; ` +
      `bench process loop delay p99 ${round(benchLoop.percentile(99) / 1e6)} / max ${round(benchLoop.max / 1e6)} ms`,
  );
  console.log(`kernel TCP counters over the abuse (whole namespace): ${JSON.stringify(counters)}`);
  // Each probe over 200 ms, by what covered most of its time: the node's loop stalled, the probe's own process stalled,
  // or neither (time no event loop accounts for: the network, the kernel, a process not scheduled between loop turns).
  const spanOf = (r: ProbeRecord) => [r.startEpochMs, r.startEpochMs + (Number.isFinite(r.ms) ? r.ms : 10_000)] as const;
  const by = { node: 0, probe: 0, neither: 0 };
  let unexplainedMs = 0;
  for (const r of s.records.filter((x) => !(x.ms < 200))) {
    const [from, to] = spanOf(r);
    const nodeMs = stalledDuring(nodeStalls, from, to);
    const total = to - from;
    if (nodeMs >= total / 2) by.node++;
    else if (r.ownStallMs >= total / 2) by.probe++;
    else by.neither++;
    unexplainedMs += Math.max(0, total - Math.max(nodeMs, r.ownStallMs));
  }
  console.log(
    `probes over 200 ms: ${by.node + by.probe + by.neither}; mostly the node's loop stalled: ${by.node}, mostly the probe process stalled: ${by.probe}, neither: ${by.neither}; ` +
      `their time not covered by either stall: ${round(unexplainedMs)} ms in all`,
  );
  const overflowsDuring = (fromMs: number, toMs: number) => {
    // The listen overflows counted from the sample before `fromMs` to the one after `toMs` (1 s samples).
    const before = [...series].reverse().find((x) => x.atMs <= fromMs) ?? series[0]!;
    const after = series.find((x) => x.atMs >= toMs) ?? series.at(-1)!;
    return after.c.TcpExtListenOverflows - before.c.TcpExtListenOverflows;
  };
  if (slow.length)
    printTable('the slowest probes (over 100 ms)', [
      [
        'at s',
        'ms',
        'new conn',
        'connect ms',
        'queued ms',
        'wait ms',
        "node's loop stalled ms",
        "probe process's stall ms",
        'listen overflows meanwhile',
        'failure',
      ],
      ...slow.map((r) => [
        round(r.atMs / 1000),
        round(r.ms),
        r.newConnection ? 'yes' : 'no',
        r.connectMs === undefined ? '-' : round(r.connectMs),
        r.queuedMs === undefined ? '-' : round(r.queuedMs),
        r.waitMs === undefined ? '-' : round(r.waitMs),
        round(stalledDuring(nodeStalls, r.startEpochMs, r.startEpochMs + (Number.isFinite(r.ms) ? r.ms : 10_000))),
        round(r.ownStallMs),
        overflowsDuring(r.atMs, r.atMs + (Number.isFinite(r.ms) ? r.ms : 10_000)),
        r.failure ?? '',
      ]),
    ]);
}

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    'quiet-seconds': { type: 'string', default: '15' },
    viewers: { type: 'string', default: '60' },
    creators: { type: 'string', default: '6' },
    moderators: { type: 'string', default: '2' },
    buyers: { type: 'string', default: '300' },
    units: { type: 'string', default: '200' },
    rooms: { type: 'string', default: '12' },
    procs: { type: 'string', default: '2' },
    'probe-ms': { type: 'string', default: '100' },
    pin: { type: 'boolean', default: false },
    nice: { type: 'string', default: '0' },
    // Where the /healthz probe runs: 'child' (a process of its own, bench/soak/probeProcess.ts) or 'in' (this process,
    // as before 2026-12-07 evening; its loop is then shared with the bench's own work).
    probe: { type: 'string', default: 'child' },
    // A node setting for this run (repeatable): an A/B of one limit, e.g. --set SOCKET_CUT_REFUSALS=1000000.
    set: { type: 'string', multiple: true, default: [] },
  },
});
/** The node settings given with --set, on top of LIMITS. */
const SETTINGS = nodeSettings(opt.set);
const SECONDS = Number(opt.seconds);
const NICE = Number(opt.nice);
const QUIET_S = Number(opt['quiet-seconds']);
const VIEWERS = Number(opt.viewers);
const CREATORS = Number(opt.creators);
const MODERATORS = Number(opt.moderators);
const BUYERS = Number(opt.buyers);
const UNITS = Number(opt.units);
const ROOMS = Number(opt.rooms);
const PROCS = Number(opt.procs);
const PROBE_MS = Number(opt['probe-ms']);
const PROBE_WHERE = opt.probe;
if (PROBE_WHERE !== 'in' && PROBE_WHERE !== 'child') throw new Error(`--probe is 'in' or 'child', not ${JSON.stringify(PROBE_WHERE)}`);
const SECRET = 'bench-secret-0123456789abcdef';
/** The node's limits are its defaults (the point is to see them hold), except these, said here so the report shows them. */
const LIMITS = { SOCKETS_PER_USER: 10, ROOMS_PER_SOCKET: 10, REST_RATE_PER_USER_PER_MIN: 600, REST_RATE_PER_IP_PER_MIN: 1200 };
const SAMPLE_MS = 5_000;

interface Sample {
  atS: number;
  nodeRssMiB: number;
  redisUsedMiB: number;
}

/** The node's process metrics at one instant (its /metrics): event-loop delay since the previous scrape, GC, CPU. */
interface NodeView {
  atMs: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  gcCount: number;
  gcSeconds: number;
  /** GC seconds by kind (major = mark-compact, minor = scavenge, incremental, weakcb). */
  gcSecondsByKind: Record<string, number>;
  /** GC pauses longer than 100 ms (cumulative, from the histogram's buckets). */
  gcOver100ms: number;
  cpuSeconds: number;
  /** The whole machine's busy and total jiffies (/proc/stat), for "how busy was the box". */
  machineBusy: number;
  machineTotal: number;
}

function machineJiffies(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

async function nodeView(url: string): Promise<NodeView> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const one = (name: string) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  const gcCount = sum(/^nodejs_gc_duration_seconds_count\{[^}]*\} (\S+)$/gm);
  const gcUnder100 = sum(/^nodejs_gc_duration_seconds_bucket\{le="0\.1"[^}]*\} (\S+)$/gm);
  const m = machineJiffies();
  return {
    atMs: Date.now(),
    lagP50Ms: one('nodejs_eventloop_lag_p50_seconds') * 1000,
    lagP99Ms: one('nodejs_eventloop_lag_p99_seconds') * 1000,
    lagMaxMs: one('nodejs_eventloop_lag_max_seconds') * 1000,
    gcCount,
    gcSeconds: sum(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm),
    gcSecondsByKind: Object.fromEntries(
      [...text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
    ),
    gcOver100ms: gcCount - gcUnder100,
    cpuSeconds: one('process_cpu_seconds_total'),
    machineBusy: m.busy,
    machineTotal: m.total,
  };
}

/** One phase's row, from the views at its start and end (the end's lag figures cover the phase). */
function phaseRow(name: string, a: NodeView, b: NodeView): (string | number)[] {
  const wallS = (b.atMs - a.atMs) / 1000;
  const cores = os.cpus().length;
  return [
    name,
    round(b.lagP50Ms),
    round(b.lagP99Ms),
    round(b.lagMaxMs),
    b.gcCount - a.gcCount,
    round((b.gcSeconds - a.gcSeconds) * 1000),
    Object.entries(b.gcSecondsByKind)
      .map(([k, v]) => `${k} ${round((v - (a.gcSecondsByKind[k] ?? 0)) * 1000)}`)
      .join(', '),
    b.gcOver100ms - a.gcOver100ms,
    round((b.cpuSeconds - a.cpuSeconds) / wallS, 2),
    round(((b.machineBusy - a.machineBusy) / Math.max(1, b.machineTotal - a.machineTotal)) * cores, 2),
  ];
}

function rssMiBOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

/** The probe's records as latencies (a failed probe counts as Infinity) and the reasons of the failures. */
function latenciesOf(summary: ProbeSummary): { latencies: number[]; failures: string[] } {
  return {
    latencies: summary.records.map((r) => r.ms),
    failures: summary.records.flatMap((r) => (r.failure ? [r.failure] : [])),
  };
}

/** Growth (MiB) over the first and the last third of the samples: "levelled off" when the last third grew far less. */
function levelling(samples: Sample[], key: 'nodeRssMiB' | 'redisUsedMiB') {
  const n = samples.length;
  const third = Math.max(1, Math.floor(n / 3));
  const first = samples[Math.min(third, n - 1)]![key] - samples[0]![key];
  const last = samples[n - 1]![key] - samples[Math.max(0, n - 1 - third)]![key];
  const peak = Math.max(...samples.map((s) => s[key]));
  // Flat enough: the last third grew under 5 MiB, or under a quarter of the first third's growth.
  return {
    start: samples[0]![key],
    peak,
    end: samples[n - 1]![key],
    firstThirdMiB: first,
    lastThirdMiB: last,
    levelledOff: last < 5 || last < first / 4,
  };
}

runMain(
  'bench:soak',
  async () => {
    const redisServer = await benchRedis('soak');
    // The node records its own event-loop stalls with their wall-clock times (bench/soak/stallRecorder.ts), so each slow
    // probe can be told apart: the node's loop was stalled meanwhile, or not.
    process.env.HAWKER_NODE_EXEC_ARGV = [
      process.env.HAWKER_NODE_EXEC_ARGV ?? '',
      `--import=${path.resolve(import.meta.dirname, 'soak/recordNodeStalls.ts')}`,
    ].join(' ');
    const node = await spawnNode(
      {
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        MEDIASOUP_WORKERS: '1',
        // Abusers and buyers say who they are with X-Forwarded-For, as nginx in front would: believed from loopback only.
        TRUSTED_PROXIES: 'loopback',
        // spawnNode runs harness/nodeMain.ts, whose test defaults lift the REST rates: the soak puts them back.
        ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])),
        ...SETTINGS,
      },
      redisServer.url,
    );
    // The recorder's files go with the run, once the node has stopped writing them (cleanups run last-registered first).
    onCleanup(() => {
      for (const file of [stallFile(node.pid), acceptFile(node.pid)]) fs.rmSync(file, { force: true });
    });
    // A graceful stop (SIGKILL after 10 s), so a node run under HAWKER_NODE_CPU_PROF writes its profile on exit.
    onCleanup(() => node.close());
    // --pin: every thread of the node on CPU 0; everything else (Redis, this process, the load processes, which inherit
    // this process's affinity when forked later, and PostgreSQL) on the other CPUs.
    if (opt.pin) pinServerApart(node.pid, [redisServer.pid], { postgres: true });
    const redis = new Redis(redisServer.url);
    onCleanup(() => void redis.disconnect());
    const tokens = new TokenService({ kind: 'secret', secret: SECRET });
    const token = async (p: Principal) => (await tokens.sign(p, 3600)).token;
    const must = <T>(r: { status: number; body: T }, what: string): T => {
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    // The stage: an agency, live rooms for the abusers to crowd, and a sale room whose product sets no per-buyer limit
    // (so FLASH_SALE_DEFAULT_MAX_PER_BUYER applies).
    progress('setting up the agency, rooms and the sale product');
    const admin = await token({ userId: 'soak-admin', name: 'Admin', role: 'admin' });
    const agencyId = 'soakag';
    must(await api(node.url, 'POST', '/api/agencies', admin, { id: agencyId, name: 'Soak agency', ownerId: 'soak-owner' }), 'agency');
    for (let p = 0; p < PROCS; p++)
      for (let i = 0; i < MODERATORS; i++)
        must(await api(node.url, 'PUT', `/api/agencies/${agencyId}/moderators/a${p}_m${i}`, admin), 'moderator');
    const roomIds: string[] = [];
    for (let i = 0; i < ROOMS; i++) {
      const creator = await token({ userId: `stage-c${Math.floor(i / 4)}`, name: 'Stage', role: 'creator' });
      const room = must(await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: `Stage ${i}` }), 'room');
      must(await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator), 'live');
      roomIds.push(room.id);
    }
    const seller = await token({ userId: 'soak-seller', name: 'Seller', role: 'creator' });
    const saleRoom = must(await api<Room>(node.url, 'POST', '/api/rooms', seller, { title: 'Soak sale' }), 'sale room');
    const product = must(
      await api<Product>(node.url, 'POST', `/api/rooms/${saleRoom.id}/products`, seller, {
        title: 'Soak scarf',
        imageUrl: 'https://img.example.com/scarf.jpg',
        price: 1999,
        currency: 'USD',
        skus: [{ id: 'std', label: 'Standard', stock: UNITS }],
      }),
      'product',
    );
    must(await api(node.url, 'POST', `/api/rooms/${saleRoom.id}/live`, seller), 'sale live');

    const samples: Sample[] = [];
    const t0 = Date.now();
    const sample = async () =>
      samples.push({
        atS: (Date.now() - t0) / 1000,
        nodeRssMiB: rssMiBOf(node.pid),
        redisUsedMiB: Number((await redis.info('memory')).match(/used_memory:(\d+)/)?.[1] ?? 0) / 2 ** 20,
      });

    const prober: Prober = PROBE_WHERE === 'child' ? childProber(node.url, PROBE_MS) : inProcessProber(node.url, PROBE_MS);
    progress(`quiet baseline: probing /healthz every ${PROBE_MS} ms for ${QUIET_S} s (probe: ${PROBE_WHERE})`);
    await sample();
    const viewQuietStart = await nodeView(node.url);
    await prober.start();
    await new Promise((r) => setTimeout(r, QUIET_S * 1000));
    const quietSummary = await prober.stop();
    const quiet = latenciesOf(quietSummary).latencies;
    const viewAbuseStart = await nodeView(node.url);

    progress(`abuse: ${VIEWERS} viewers, ${CREATORS} creators, ${MODERATORS} moderators per process x ${PROCS} processes`);
    const abusers = Array.from({ length: PROCS }, (_, p) =>
      LoadProcess.start(`abusers${p}`, 'bench/soak/abusers.ts', {
        url: node.url,
        secret: SECRET,
        idPrefix: `a${p}_`,
        roomIds,
        agencyId,
        viewers: VIEWERS,
        creators: CREATORS,
        moderators: MODERATORS,
        socketsPerViewer: LIMITS.SOCKETS_PER_USER + 3,
        roomsPerSocket: LIMITS.ROOMS_PER_SOCKET + 3,
      }),
    );
    const buyers = LoadProcess.start('buyers', 'bench/flash-sale/buyers.ts', {
      url: node.url,
      roomId: saleRoom.id,
      saleId: '',
      secret: SECRET,
      idPrefix: 'buyer',
      count: BUYERS,
      attempts: 1,
    });
    if (NICE > 0) {
      // Every thread of each abuser process (renice acts on one thread id at a time on Linux).
      for (const a of abusers) {
        const tids = fs.readdirSync(`/proc/${a.pid}/task`);
        execFileSync('renice', ['-n', String(NICE), '-p', ...tids], { stdio: 'ignore' });
      }
      progress(`abusers' processes at nice ${NICE}`);
    }
    const abuseStart = Date.now();
    await prober.start();
    // This process's own event-loop delay during the abuse: with the probe in this process, its stalls are the probe's.
    const benchLoop = monitorEventLoopDelay({ resolution: 10 });
    benchLoop.enable();
    const countersStart = listenCounters();
    const softirqStart = softirqThreads();
    // The kernel's listen-queue counters every second, to line up with the slow probes.
    const counterSeries: { atMs: number; c: ListenCounters }[] = [{ atMs: 0, c: countersStart }];
    const counterTimer = setInterval(() => counterSeries.push({ atMs: Date.now() - abuseStart, c: listenCounters() }), 1_000);
    onCleanup(() => clearInterval(counterTimer));
    const sampler = setInterval(() => void sample().catch(() => {}), SAMPLE_MS);
    onCleanup(() => clearInterval(sampler));
    await Promise.all(abusers.map((a) => a.call('start', {}, 300_000)));
    progress(`abusers running (${round((Date.now() - abuseStart) / 1000)} s to open their connections)`);

    // The flash sale, in the middle of the abuse.
    const saleAt = abuseStart + (SECONDS * 1000) / 2;
    await buyers.call('connect', {}, 300_000);
    await new Promise((r) => setTimeout(r, Math.max(0, saleAt - Date.now() - 2_000)));
    const sale = must(
      await api<FlashSale>(node.url, 'POST', `/api/rooms/${saleRoom.id}/sales`, seller, {
        productId: product.id,
        skuId: 'std',
        durationMs: 60_000,
        salePrice: 999,
        quantity: UNITS,
      }),
      'sale',
    );
    progress(`flash sale ${sale.id}: ${BUYERS} buyers order at once`);
    // buyers.ts takes the sale id at start; this run's sale is created now, so it is passed with the order.
    const run = await buyers.call<{ latencies: number[]; outcomes: Record<string, number>; reserved: string[] }>(
      'fire',
      { at: Date.now() + 1_000, saleId: sale.id },
      120_000,
    );
    progress(`sale answered: ${JSON.stringify(run.outcomes)}`);

    const left = abuseStart + SECONDS * 1000 - Date.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const abusedSummary = await prober.stop();
    clearInterval(counterTimer);
    benchLoop.disable();
    const counters = counterDelta(countersStart, listenCounters());
    const softirqEnd = softirqThreads();
    const softirq = {
      nice: softirqEnd.nice,
      cpuSeconds: softirqEnd.cpuSeconds - softirqStart.cpuSeconds,
      wallSeconds: (Date.now() - abuseStart) / 1000,
    };
    const { latencies: abused, failures: probeFailures } = latenciesOf(abusedSummary);
    const viewAbuseEnd = await nodeView(node.url);
    clearInterval(sampler);
    await sample();
    const results = await Promise.all(abusers.map((a) => a.call<{ outcomes: Record<string, number> }>('stop', {}, 120_000)));
    await Promise.all([...abusers, buyers].map((a) => a.stop()));

    const outcomes: Record<string, number> = {};
    for (const r of results) for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
    const sold = await redis.hgetall(`${node.prefix}sale:${sale.id}`).catch(() => ({}));
    const reservedAcks = run.reserved.length;
    const abuseSamples = samples.filter((s) => s.atS * 1000 >= abuseStart - t0);
    const rss = levelling(abuseSamples, 'nodeRssMiB');
    const redisMem = levelling(abuseSamples, 'redisUsedMiB');
    const saleMaxMs = Math.max(...run.latencies);
    const p99Quiet = percentile(quiet, 99);
    const p99Abused = percentile(abused, 99);

    printTable('/healthz latency (ms)', [
      ['phase', 'probes', 'p50', 'p99', 'max', 'failed'],
      [
        'quiet (baseline)',
        quiet.length,
        round(percentile(quiet, 50)),
        round(p99Quiet),
        round(Math.max(...quiet)),
        quiet.filter((l) => !Number.isFinite(l)).length,
      ],
      [
        'under abuse',
        abused.length,
        round(percentile(abused, 50)),
        round(p99Abused),
        round(Math.max(...abused)),
        abused.filter((l) => !Number.isFinite(l)).length,
      ],
    ]);
    printTable("the node's own view (its /metrics) and the machine", [
      [
        'phase',
        'loop delay p50 ms',
        'p99 ms',
        'max ms',
        'GCs',
        'GC ms',
        'GC ms by kind',
        'GCs > 100 ms',
        'node cores',
        'machine busy cores',
      ],
      phaseRow('quiet (baseline)', viewQuietStart, viewAbuseStart),
      phaseRow('under abuse', viewAbuseStart, viewAbuseEnd),
    ]);
    const nodeStalls = readStalls(stallFile(node.pid));
    printProbeDetail(abusedSummary, benchLoop, counters, counterSeries, nodeStalls);
    console.log(
      `kernel softirq threads (ksoftirqd, the loopback's deferred packet work): nice ${softirq.nice.join(', ')}; ` +
        `${round(softirq.cpuSeconds, 2)} s of CPU over the ${round(softirq.wallSeconds)} s of abuse` +
        (softirq.nice.some((n) => n > 0)
          ? ' -- WARNING: reniced: with the cores taken by higher-priority processes their packets wait seconds, and so do probes'
          : ''),
    );
    if (probeFailures.length) {
      const why: Record<string, number> = {};
      for (const f of probeFailures) why[f.replace(/after \d+ ms/, 'after N ms')] = (why[f.replace(/after \d+ ms/, 'after N ms')] ?? 0) + 1;
      console.log(`failed /healthz probes: ${JSON.stringify(why)}`);
    }
    printTable('memory during the abuse (MiB)', [
      ['what', 'start', 'peak', 'end', 'first third +', 'last third +', 'levelled off'],
      [
        'node RSS',
        round(rss.start),
        round(rss.peak),
        round(rss.end),
        round(rss.firstThirdMiB),
        round(rss.lastThirdMiB),
        rss.levelledOff ? 'yes' : 'NO',
      ],
      [
        'Redis used',
        round(redisMem.start),
        round(redisMem.peak),
        round(redisMem.end),
        round(redisMem.firstThirdMiB),
        round(redisMem.lastThirdMiB),
        redisMem.levelledOff ? 'yes' : 'NO',
      ],
    ]);
    printTable(`flash sale under abuse: ${BUYERS} buyers, ${UNITS} units`, [
      ['answers', 'p50 ms', 'p99 ms', 'max ms', 'reserved', 'outcomes'],
      [
        run.latencies.length,
        round(percentile(run.latencies, 50)),
        round(percentile(run.latencies, 99)),
        round(saleMaxMs),
        reservedAcks,
        JSON.stringify(run.outcomes),
      ],
    ]);
    printTable('what answered each attack', [
      ['action outcome', 'count'],
      ...Object.entries(outcomes).sort(([a], [b]) => a.localeCompare(b)),
    ]);
    const goals = {
      healthzP99Under200ms: p99Abused < 200,
      memoryLevelsOff: rss.levelledOff && redisMem.levelledOff,
      everyBuyerAnsweredWithin5s: run.latencies.length === BUYERS && saleMaxMs < 5_000,
      noOversell: reservedAcks <= UNITS,
    };
    console.log(
      `\ngoals: ${Object.entries(goals)
        .map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`)
        .join('; ')}`,
    );
    console.log(
      `machine load average: ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    console.log(
      `\nwrote ${writeResult('soak', {
        options: { NICE, SECONDS, QUIET_S, VIEWERS, CREATORS, MODERATORS, BUYERS, UNITS, ROOMS, PROCS, PROBE_MS, LIMITS, SETTINGS },
        healthz: { quiet: { p50: percentile(quiet, 50), p99: p99Quiet }, abused: { p50: percentile(abused, 50), p99: p99Abused } },
        probe: {
          where: PROBE_WHERE,
          quiet: { ...quietSummary, records: undefined },
          abused: abusedSummary,
          benchLoop: loopFigures(benchLoop),
          counters,
          counterSeries,
          softirq,
        },
        nodeView: { quietStart: viewQuietStart, abuseStart: viewAbuseStart, abuseEnd: viewAbuseEnd, nice: NICE },
        memory: { rss, redis: redisMem, samples },
        sale: { answers: run.latencies.length, maxMs: saleMaxMs, outcomes: run.outcomes, reserved: reservedAcks, store: sold },
        outcomes,
        goals,
      })}`,
    );
    if (!goals.noOversell) throw new Error(`oversold: ${reservedAcks} reserved of ${UNITS}`);
  },
  SECONDS + QUIET_S + 600,
);
