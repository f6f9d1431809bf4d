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
 *
 * `--pin` (Linux, `taskset`): the node gets CPU 0 to itself; the load processes, Redis, PostgreSQL and this process
 * (the probe) share the other CPUs. On a 2-core box the abusers otherwise take the node's CPU, and the figure measures
 * the box rather than Hawker (the issue 20 way of measuring: server and load on separate cores).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { api } from '../harness/clients.ts';
import { execFileSync } from 'node:child_process';
import { spawnNode } from '../harness/nodeProcess.ts';
import { TokenService } from '../server/auth/tokens.ts';
import type { FlashSale, Principal, Product, Room } from '@hawker/protocol';
import { LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchRedis } from './lib/setup.ts';

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
    // A node setting for this run (repeatable): an A/B of one limit, e.g. --set SOCKET_CUT_REFUSALS=1000000.
    set: { type: 'string', multiple: true, default: [] },
  },
});
/** The node settings given with --set, on top of LIMITS. */
const SETTINGS = Object.fromEntries(
  (opt.set ?? []).map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`--set wants KEY=VALUE, not ${JSON.stringify(kv)}`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
const SECONDS = Number(opt.seconds);
const QUIET_S = Number(opt['quiet-seconds']);
const VIEWERS = Number(opt.viewers);
const CREATORS = Number(opt.creators);
const MODERATORS = Number(opt.moderators);
const BUYERS = Number(opt.buyers);
const UNITS = Number(opt.units);
const ROOMS = Number(opt.rooms);
const PROCS = Number(opt.procs);
const PROBE_MS = Number(opt['probe-ms']);
const SECRET = 'bench-secret-0123456789abcdef';
/** The node's limits are its defaults (the point is to see them hold), except these, said here so the report shows them. */
const LIMITS = { SOCKETS_PER_USER: 10, ROOMS_PER_SOCKET: 10, REST_RATE_PER_USER_PER_MIN: 600, REST_RATE_PER_IP_PER_MIN: 1200 };
const SAMPLE_MS = 5_000;

interface Sample {
  atS: number;
  nodeRssMiB: number;
  redisUsedMiB: number;
}

function rssMiBOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

/** Probes /healthz every PROBE_MS until stopped; each probe's latency in ms (a failed or non-200 probe counts as Infinity). */
function healthProbe(url: string): { stop(): number[]; failures: string[] } {
  const latencies: number[] = [];
  /** Why each failed probe failed (printed, so a failure is explained rather than just counted). */
  const failures: string[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        latencies.push(res.ok ? performance.now() - t0 : Number.POSITIVE_INFINITY);
        if (!res.ok) failures.push(`HTTP ${res.status}`);
      } catch (err) {
        latencies.push(Number.POSITIVE_INFINITY);
        const e = err as Error & { cause?: { code?: string; message?: string } };
        failures.push(`${e.name}: ${e.cause?.code ?? e.cause?.message ?? e.message} after ${Math.round(performance.now() - t0)} ms`);
      }
      const left = PROBE_MS - (performance.now() - t0);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    }
  })();
  return {
    failures,
    stop() {
      running = false;
      return latencies;
    },
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
    // A graceful stop (SIGKILL after 10 s), so a node run under HAWKER_NODE_CPU_PROF writes its profile on exit.
    onCleanup(() => node.close());
    // --pin: every thread of the node on CPU 0; everything else (Redis, this process, the load processes, which inherit
    // this process's affinity when forked later, and PostgreSQL, pinned below) on the other CPUs.
    const cpus = os.availableParallelism();
    const others = cpus > 1 ? `1-${cpus - 1}` : '0';
    const pin = (pid: number, list: string) => execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
    if (opt.pin) {
      pin(node.pid, '0');
      pin(redisServer.pid, others);
      pin(process.pid, others);
      for (const pg of execFileSync('pgrep', ['-f', 'postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        try {
          pin(Number(pg), others);
        } catch {
          // a postgres process of another user or one that just exited: not ours to move
        }
      }
      progress(`pinned: node on CPU 0; Redis, PostgreSQL, the probe and the load processes on CPU ${others}`);
    }
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

    progress(`quiet baseline: probing /healthz every ${PROBE_MS} ms for ${QUIET_S} s`);
    await sample();
    const quietProbe = healthProbe(node.url);
    await new Promise((r) => setTimeout(r, QUIET_S * 1000));
    const quiet = quietProbe.stop();

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
    const abuseStart = Date.now();
    const probe = healthProbe(node.url);
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
    const abused = probe.stop();
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
    if (probe.failures.length) {
      const why: Record<string, number> = {};
      for (const f of probe.failures)
        why[f.replace(/after \d+ ms/, 'after N ms')] = (why[f.replace(/after \d+ ms/, 'after N ms')] ?? 0) + 1;
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
        .join(' ')} on ${os.availableParallelism()} cores`,
    );
    console.log(
      `\nwrote ${writeResult('soak', {
        options: { SECONDS, QUIET_S, VIEWERS, CREATORS, MODERATORS, BUYERS, UNITS, ROOMS, PROCS, PROBE_MS, LIMITS, SETTINGS },
        healthz: { quiet: { p50: percentile(quiet, 50), p99: p99Quiet }, abused: { p50: percentile(abused, 50), p99: p99Abused } },
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
