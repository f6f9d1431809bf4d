/**
 * Issue 20, goal 5: scaling out. Chat load spread over R rooms (viewers and senders split evenly across them), run
 * three times with the same load generators and sizes:
 *
 *   1. one node, clients straight to it (the reference without a proxy);
 *   2. one node behind the documented nginx (scripts/docker/nginx.conf: `hash $arg_room consistent`);
 *   3. two nodes behind that nginx, sharing one Redis and one PostgreSQL (what a deployment of two nodes is).
 *
 * For each: delivered messages/s, completeness, delivery p50/p99, and CPU per 1,000 delivered messages for the nodes,
 * Redis and nginx separately; then, on the same nodes, a flash sale in every room (B buyers spread over the rooms, two
 * attempts each at one instant): attempts/s, ack p50/p99, oversell (must be 0) and server-side CPU per attempt; then the two-node run against the one-node run behind the same proxy (throughput ratio,
 * CPU-per-message ratio), and how nginx spread the rooms and connections over the nodes (each node's /metrics).
 *
 *   npm run bench:scale -- [--rooms 20] [--viewers 2000] [--rate 400] [--seconds 15] [--procs 2] [--only 1,2,3]
 *                          [--buyers 1000] [--units 25]      (--buyers 0: chat only)
 *
 * All traffic is on 127.0.0.1, bounded by --seconds and the drain; every process stops at the end. On one 2-core
 * machine the second node shares the same two cores with the first, the load generators, Redis and nginx, so the
 * two-node throughput cannot show more hardware: what it shows is the cost of spreading (cross-node adapter traffic,
 * the proxy hop) per message, which is what decides how far more cores or machines take it.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Product, Room } from '@hawker/protocol';
import { api, devToken } from '../harness/clients.ts';
import { saleCounts, scheduleSale } from '../harness/commerce.ts';
import { type NodeProcess, spawnNode } from '../harness/nodeProcess.ts';
import { CpuMeter, machineBusySeconds } from './lib/cpu.ts';
import { startNginx } from './lib/nginx.ts';
import { LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { deliveryFigures, drainDeliveries } from './lib/delivery.ts';
import { benchRedis } from './lib/setup.ts';

const { values: opt } = parseArgs({
  options: {
    rooms: { type: 'string', default: '20' },
    viewers: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '15' },
    procs: { type: 'string', default: '2' },
    'probe-every': { type: 'string', default: '25' },
    'drain-seconds': { type: 'string', default: '15' },
    only: { type: 'string', default: '1,2,3' },
    buyers: { type: 'string', default: '1000' },
    units: { type: 'string', default: '25' },
  },
});
const ROOMS = Number(opt.rooms);
const VIEWERS = Number(opt.viewers);
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const PROCS = Number(opt.procs);
const PROBE_EVERY = Number(opt['probe-every']);
const DRAIN_S = Number(opt['drain-seconds']);
const ONLY = new Set(opt.only.split(',').map((s) => s.trim()));
const BUYERS = Number(opt.buyers);
/** Units on sale in each room (per-buyer limit 1, 2 attempts per buyer). */
const UNITS = Number(opt.units);
const ATTEMPTS = 2;
// The per-connection event budget is 20/s: enough senders that each stays well under it, at least one per room.
const SENDERS = Math.max(ROOMS, Math.ceil(RATE / 10));
const SECRET = 'bench-secret-0123456789abcdef';

for (const [name, n] of Object.entries({ ROOMS, VIEWERS, RATE, SECONDS, PROCS, PROBE_EVERY, DRAIN_S, UNITS }))
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name.toLowerCase()} must be a positive integer (got ${n})`);
if (!Number.isInteger(BUYERS) || BUYERS < 0) throw new Error(`--buyers must be 0 (chat only) or a positive integer (got ${BUYERS})`);
if (VIEWERS < ROOMS) throw new Error(`--viewers (${VIEWERS}) must be at least --rooms (${ROOMS}): every room needs a viewer`);

interface Setup {
  system: string;
  nodes: number;
  proxied: boolean;
}

interface NodeShare {
  rooms: number;
  connections: number;
}

interface PhaseResult extends Setup {
  viewers: number;
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  expectedDeliveries: number;
  deliveries: number;
  deliveredPerSec: number;
  completeness: number;
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  /** CPU cores used over the phase, by role. */
  cpu: { nodes: number; redis: number; nginx: number; load: number; machine: number };
  /** CPU milliseconds per 1,000 delivered messages, by role. */
  cpuMsPerKDelivered: { nodes: number; redis: number; nginx: number; serverSide: number };
  /** Each node's rooms and connections at the end of the joins (from its /metrics). */
  perNode: NodeShare[];
  sale?: SaleResult;
}

interface SaleResult {
  attempts: number;
  attemptsPerSec: number;
  ackMs: { p50: number; p99: number; max: number };
  outcomes: Record<string, number>;
  reserved: number;
  /** Units taken beyond what was on sale, summed over the rooms (0 unless the stock step is broken). */
  oversold: number;
  /** Every sale's left + reserved + sold + returned = quantity, none negative. */
  conserved: boolean;
  cpu: { nodes: number; redis: number; nginx: number; load: number };
  /** Server-side CPU (nodes + Redis + nginx) per attempt, ms. */
  cpuMsPerAttempt: number;
}

/** The cores used by the processes whose CpuMeter name matches `pred`, together. */
function coresWhere(cores: Record<string, number | undefined>, pred: (name: string) => boolean): number {
  return Object.entries(cores)
    .filter(([name]) => pred(name))
    .reduce((n, [, c]) => n + (c ?? 0), 0);
}

/** A node's hawker_rooms_active and hawker_rooms_connections. */
async function share(url: string): Promise<NodeShare> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rooms: gauge('hawker_rooms_active'), connections: gauge('hawker_rooms_connections') };
}

async function phase(setup: Setup): Promise<PhaseResult> {
  const redis = await benchRedis('scale');
  // One deployment: the same key prefix (so the same ledger schema), secret and Redis for every node.
  const prefix = `scale${Date.now().toString(36)}:`;
  const env = {
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    MEDIASOUP_WORKERS: '1',
    // The senders chat far faster than a person: lift the per-user limits and the cut of clients past them, which are
    // not under test here (bench:soak measures them).
    CHAT_RATE_BURST: '1000',
    CHAT_RATE_PER_MIN: '60000',
    SOCKET_EVENTS_PER_SEC: '10000',
    SOCKET_EVENTS_BURST: '10000',
    SOCKET_CUT_REFUSALS: '1000000',
    // nginx is the one proxy these nodes trust (its X-Forwarded-For), as docs/security.md sets a deployment up.
    TRUSTED_PROXIES: '127.0.0.1',
  };
  const nodes: NodeProcess[] = [];
  for (let i = 0; i < setup.nodes; i++) {
    const node = await spawnNode(env, redis.url, 60_000);
    onCleanup(() => node.kill());
    nodes.push(node);
  }
  const nginx = setup.proxied ? await startNginx(nodes.map((n) => `127.0.0.1:${n.port}`)) : undefined;
  const url = nginx?.url ?? nodes[0]!.url;
  progress(`${setup.system}: ${nodes.length} node(s) on ${nodes.map((n) => n.port).join(', ')}${nginx ? `, nginx on ${nginx.url}` : ''}`);

  // R live rooms, one creator each, with one product for the sale, made through a node directly (REST is not measured).
  const roomIds: string[] = [];
  const rooms: { roomId: string; creator: string; productId: string }[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const creator = await devToken(nodes[0]!.url, { userId: `creator${r}`, name: `Creator ${r}`, role: 'creator' });
    const room = await api<Room>(nodes[0]!.url, 'POST', '/api/rooms', creator, { title: `Scale bench ${r}` });
    if (room.status !== 201) throw new Error(`creating room ${r} failed: ${room.status} ${JSON.stringify(room.body)}`);
    const product = await api<Product>(nodes[0]!.url, 'POST', `/api/rooms/${room.body.id}/products`, creator, {
      title: `Scale bench scarf ${r}`,
      imageUrl: 'https://img.example.com/scarf.jpg',
      price: 1999,
      currency: 'USD',
      skus: [{ id: 'std', label: 'Standard', stock: UNITS * 2 }],
    });
    if (product.status !== 201) throw new Error(`creating room ${r}'s product failed: ${product.status} ${JSON.stringify(product.body)}`);
    const live = await api(nodes[0]!.url, 'POST', `/api/rooms/${room.body.id}/live`, creator);
    if (live.status !== 200) throw new Error(`room ${r} could not go live: ${live.status} ${JSON.stringify(live.body)}`);
    roomIds.push(room.body.id);
    rooms.push({ roomId: room.body.id, creator, productId: product.body.id });
  }

  const per = Math.ceil(VIEWERS / PROCS);
  const viewers = Array.from({ length: PROCS }, (_, p) =>
    LoadProcess.start(`viewers${p}`, 'bench/chat/viewers.ts', {
      url,
      roomId: roomIds[0],
      // Offset so that the processes together fill every room evenly.
      roomIds: roomIds.map((_, r) => roomIds[(r + p * per) % ROOMS]!),
      secret: SECRET,
      idPrefix: `v${p}_`,
      count: Math.min(per, VIEWERS - p * per),
      probeEvery: PROBE_EVERY,
    }),
  );
  const senders = LoadProcess.start('senders', 'bench/chat/senders.ts', {
    url,
    roomId: roomIds[0],
    roomIds,
    secret: SECRET,
    senders: SENDERS,
  });
  try {
    const joined = await Promise.all(
      viewers.map((v) => v.call<{ connected: number; probes: number; byRoom: Record<string, number> }>('connect', {}, 300_000)),
    );
    await senders.call('connect', {}, 120_000);
    const byRoom: Record<string, number> = {};
    for (const j of joined) for (const [room, n] of Object.entries(j.byRoom)) byRoom[room] = (byRoom[room] ?? 0) + n;
    const total = joined.reduce((n, j) => n + j.connected, 0);
    const perNode = await Promise.all(nodes.map((n) => share(n.url)));
    progress(
      `${setup.system}: ${total} viewers in ${Object.keys(byRoom).length} rooms (per node: ${perNode.map((s) => `${s.rooms} rooms / ${s.connections} connections`).join('; ')}); sending ${RATE} msg/s for ${SECONDS} s`,
    );
    await Promise.all(viewers.map((v) => v.call('reset')));
    const pids: Record<string, number> = { redis: redis.pid, ...(nginx?.pids ?? {}) };
    nodes.forEach((n, i) => {
      pids[`node${i}`] = n.pid;
    });
    for (const p of [...viewers, senders]) pids[p.name] = p.pid;
    const cpu = new CpuMeter(pids);
    const busy0 = machineBusySeconds();
    cpu.start();
    const t0 = Date.now();
    const outcome = await senders.call<{
      sent: number;
      accepted: number;
      refused: Record<string, number>;
      owedByRoom: Record<string, number>;
      endedAt: number;
    }>('send', { rate: RATE, seconds: SECONDS }, (SECONDS + 60) * 1000);
    // What every viewer of each room is owed: the room's messages not surely refused, times its viewers.
    const expected = Object.entries(outcome.owedByRoom).reduce((n, [room, owed]) => n + owed * (byRoom[room] ?? 0), 0);
    await drainDeliveries(viewers, expected, DRAIN_S);
    const cores = cpu.stop();
    const seconds = (Date.now() - t0) / 1000;
    const got = await deliveryFigures(viewers, expected, t0, outcome.endedAt);
    const { deliveries } = got;
    const sum = (pred: (name: string) => boolean) => coresWhere(cores, pred);
    const used = {
      nodes: sum((n) => n.startsWith('node')),
      redis: sum((n) => n === 'redis'),
      nginx: sum((n) => n.startsWith('nginx')),
      load: sum((n) => n.startsWith('viewers') || n === 'senders'),
      machine: (machineBusySeconds() - busy0) / seconds,
    };
    // CPU-seconds over the phase / delivered messages, in ms per 1,000.
    const perK = (c: number) => (deliveries > 0 ? round((c * seconds * 1e6) / deliveries, 2) : Number.NaN);
    await Promise.all([...viewers, senders].map((p) => p.stop()));
    const sale = BUYERS > 0 ? await saleRace(url, nodes, rooms, redis, prefix, nginx?.pids ?? {}, setup.system) : undefined;
    return {
      ...setup,
      viewers: total,
      sent: outcome.sent,
      accepted: outcome.accepted,
      refused: outcome.refused,
      ...got,
      cpu: used,
      cpuMsPerKDelivered: {
        nodes: perK(used.nodes),
        redis: perK(used.redis),
        nginx: perK(used.nginx),
        serverSide: perK(used.nodes + used.redis + used.nginx),
      },
      perNode,
      ...(sale ? { sale } : {}),
    };
  } finally {
    await Promise.all([...viewers, senders].map((p) => p.stop()));
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  }
}

/**
 * The flash-sale half: one sale of UNITS units per room (per-buyer limit 1), BUYERS buyers spread over the rooms, all
 * sending ATTEMPTS order:place at one agreed instant. Oversell and conservation are read from each sale's counters.
 */
async function saleRace(
  url: string,
  nodes: NodeProcess[],
  rooms: { roomId: string; creator: string; productId: string }[],
  redis: { url: string; pid: number },
  prefix: string,
  nginxPids: Record<string, number>,
  system: string,
): Promise<SaleResult> {
  const targets: { roomId: string; saleId: string }[] = [];
  for (const r of rooms) {
    const sale = await scheduleSale(nodes[0]!, r.creator, r.roomId, r.productId, {
      quantity: UNITS,
      perBuyerLimit: 1,
      durationMs: 30 * 60_000,
    });
    targets.push({ roomId: r.roomId, saleId: sale.id });
  }
  const per = Math.ceil(BUYERS / PROCS);
  const buyers = Array.from({ length: PROCS }, (_, p) =>
    LoadProcess.start(`buyers${p}`, 'bench/flash-sale/buyers.ts', {
      url,
      roomId: targets[0]!.roomId,
      saleId: targets[0]!.saleId,
      // Rotated like the viewers, so the processes together spread the buyers evenly.
      targets: targets.map((_, r) => targets[(r + p * per) % targets.length]!),
      secret: SECRET,
      idPrefix: `b${p}_`,
      count: Math.min(per, BUYERS - p * per),
      attempts: ATTEMPTS,
    }),
  );
  const counters = new Redis(redis.url);
  try {
    await Promise.all(buyers.map((b) => b.call('connect', {}, 300_000)));
    progress(`${system}: ${BUYERS} buyers in ${rooms.length} rooms; ${ATTEMPTS} attempts each at once, ${UNITS} units per room`);
    const pids: Record<string, number> = { redis: redis.pid, ...nginxPids };
    nodes.forEach((n, i) => {
      pids[`node${i}`] = n.pid;
    });
    for (const b of buyers) pids[b.name] = b.pid;
    const cpu = new CpuMeter(pids);
    const at = Date.now() + 1_000;
    const firing = buyers.map((b) =>
      b.call<{ firstSent: number; lastAnswer: number; latencies: number[]; outcomes: Record<string, number> }>('fire', { at }, 300_000),
    );
    // The CPU window starts at the agreed instant, so the wait before it is not counted.
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    cpu.start();
    const t0 = performance.now();
    const fired = await Promise.all(firing);
    const cores = cpu.stop();
    const seconds = (performance.now() - t0) / 1000;
    const outcomes: Record<string, number> = {};
    for (const f of fired) for (const [k, n] of Object.entries(f.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
    const latencies = fired.flatMap((f) => f.latencies);
    const window = (Math.max(...fired.map((f) => f.lastAnswer)) - Math.min(...fired.map((f) => f.firstSent))) / 1000;
    let oversold = 0;
    let conserved = true;
    for (const t of targets) {
      const c = await saleCounts(counters, prefix, t.saleId);
      oversold += Math.max(0, c.reserved + c.sold - c.quantity);
      if (c.left + c.reserved + c.sold + c.returned !== c.quantity || c.left < 0) conserved = false;
    }
    const sum = (pred: (name: string) => boolean) => coresWhere(cores, pred);
    const used = {
      nodes: sum((n) => n.startsWith('node')),
      redis: sum((n) => n === 'redis'),
      nginx: sum((n) => n.startsWith('nginx')),
      load: sum((n) => n.startsWith('buyers')),
    };
    const attempts = latencies.length;
    return {
      attempts,
      attemptsPerSec: attempts / Math.max(window, 0.001),
      ackMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(percentile(latencies, 100)) },
      outcomes,
      reserved: outcomes.reserved ?? 0,
      oversold,
      conserved,
      cpu: used,
      cpuMsPerAttempt: attempts > 0 ? round(((used.nodes + used.redis + used.nginx) * seconds * 1000) / attempts, 3) : Number.NaN,
    };
  } finally {
    counters.disconnect();
    await Promise.all(buyers.map((b) => b.stop()));
  }
}

runMain(
  'bench:scale',
  async () => {
    const setups: (Setup & { key: string })[] = [
      { key: '1', system: 'one node, direct', nodes: 1, proxied: false },
      { key: '2', system: 'one node behind nginx', nodes: 1, proxied: true },
      { key: '3', system: 'two nodes behind nginx', nodes: 2, proxied: true },
    ];
    const results: PhaseResult[] = [];
    for (const s of setups.filter((x) => ONLY.has(x.key))) results.push(await phase(s));
    printTable(`Scaling out: ${VIEWERS} viewers in ${ROOMS} rooms, ${RATE} msg/s offered for ${SECONDS} s over ${SENDERS} senders`, [
      [
        'system',
        'accepted',
        'delivered/s',
        'complete',
        'p50 ms',
        'p99 ms',
        'nodes CPU',
        'redis CPU',
        'nginx CPU',
        'load CPU',
        'machine busy',
        'CPU ms / 1k delivered (nodes + redis + nginx)',
      ],
      ...results.map((r) => [
        r.system,
        r.accepted,
        Math.round(r.deliveredPerSec),
        `${round(r.completeness * 100, 2)}%`,
        r.latencyMs.p50,
        r.latencyMs.p99,
        `${round(r.cpu.nodes * 100)}%`,
        `${round(r.cpu.redis * 100)}%`,
        `${round(r.cpu.nginx * 100)}%`,
        `${round(r.cpu.load * 100)}%`,
        `${round(r.cpu.machine, 2)} cores`,
        `${r.cpuMsPerKDelivered.nodes} + ${r.cpuMsPerKDelivered.redis} + ${r.cpuMsPerKDelivered.nginx} = ${r.cpuMsPerKDelivered.serverSide}`,
      ]),
    ]);
    const sales = results.filter((r) => r.sale);
    if (sales.length)
      printTable(`Flash sales: ${BUYERS} buyers x ${ATTEMPTS} attempts at once, ${UNITS} units in each of ${ROOMS} rooms`, [
        [
          'system',
          'attempts/s',
          'p50 ms',
          'p99 ms',
          'reserved',
          'oversold',
          'stock conserved',
          'nodes CPU',
          'redis CPU',
          'nginx CPU',
          'server-side CPU ms / attempt',
        ],
        ...sales.map((r) => {
          const x = r.sale!;
          return [
            r.system,
            Math.round(x.attemptsPerSec),
            x.ackMs.p50,
            x.ackMs.p99,
            x.reserved,
            x.oversold,
            x.conserved ? 'yes' : 'NO',
            `${round(x.cpu.nodes * 100)}%`,
            `${round(x.cpu.redis * 100)}%`,
            `${round(x.cpu.nginx * 100)}%`,
            x.cpuMsPerAttempt,
          ];
        }),
      ]);
    for (const r of results.filter((x) => x.nodes > 1))
      console.log(
        `${r.system}: nginx put ${r.perNode.map((s, i) => `node${i} ${s.rooms} rooms / ${s.connections} connections`).join(', ')}`,
      );
    const one = results.find((r) => r.nodes === 1 && r.proxied);
    const two = results.find((r) => r.nodes === 2);
    const ratios =
      one && two
        ? {
            throughput: two.deliveredPerSec / one.deliveredPerSec,
            cpuPerMessage: two.cpuMsPerKDelivered.serverSide / one.cpuMsPerKDelivered.serverSide,
            nodeCpuPerMessage: two.cpuMsPerKDelivered.nodes / one.cpuMsPerKDelivered.nodes,
          }
        : undefined;
    const saleRatios =
      one?.sale && two?.sale
        ? {
            throughput: two.sale.attemptsPerSec / one.sale.attemptsPerSec,
            cpuPerAttempt: two.sale.cpuMsPerAttempt / one.sale.cpuMsPerAttempt,
          }
        : undefined;
    if (saleRatios)
      console.log(
        `flash sales, two nodes / one node: ${round(saleRatios.throughput, 2)}x attempts/s; ${round(saleRatios.cpuPerAttempt, 2)}x server-side CPU per attempt`,
      );
    if (ratios)
      console.log(
        `\ntwo nodes / one node (both behind nginx): ${round(ratios.throughput, 2)}x delivered messages/s; ${round(ratios.cpuPerMessage, 2)}x server-side CPU per delivered message (nodes alone ${round(ratios.nodeCpuPerMessage, 2)}x)`,
      );
    console.log(
      `machine load average at the end: ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')} on ${os.availableParallelism()} cores`,
    );
    console.log(
      `\nwrote ${writeResult('scale', { options: { ROOMS, VIEWERS, RATE, SECONDS, PROCS, SENDERS, PROBE_EVERY, BUYERS, UNITS }, results, ratios, saleRatios })}`,
    );
  },
  1_200,
);
