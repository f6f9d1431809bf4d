/**
 * P2 chat fan-out: V viewers in one room on one node, M messages/s in; delivered messages/s, p50/p99 delivery latency,
 * server CPU. Run twice in the same process with the same load generators: Hawker (chat batched per room tick), then
 * a bare Socket.IO server broadcasting each message as it arrives (bench/chat/baselineServer.ts).
 *
 *   npm run bench:chat -- [--viewers 5000] [--rate 500] [--seconds 10] [--procs 4] [--only hawker|baseline] [--budget N]
 *                         [--likes 0] [--crowd compare] [--pin]
 *
 * `--budget N` sets CHAT_VIEWER_BUDGET_PER_S on the Hawker node (default 0: off, so every viewer is sent every message
 * and the figures compare with the baseline's; with a budget, "complete" is relative to the full fan-out). After the
 * Hawker phase the node's tick fan-out (room stats, live stock: server/kernel/ticks.ts) is printed from its /metrics:
 * Redis publishes, room pushes, socket writes, volatile drops and bytes, per push.
 *
 * `--likes N`: the senders also tap N likes/s. `--crowd compare` (issue 19, item 7): Hawker runs twice, with the crowd
 * pipeline off (CROWD_PIPELINE=false) and on (the default, flushing every CROWD_FLUSH_MS), same load, and the p99 rise
 * with it on is printed beside the goal (< 10 %); the bare Socket.IO baseline is skipped unless `--only` says otherwise.
 *
 * `--pin` (issue 20 P2, "measure the server honestly"): every thread of the server (Hawker's node or the baseline) on
 * CPU 0, Redis, this process and the viewer and sender processes on the others, so the viewers' decoding cannot take
 * the server's core; the load's CPU is printed beside the server's either way.
 */
import { once } from 'node:events';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { api, devToken } from '../harness/clients.ts';
import { spawnNode } from '../harness/nodeProcess.ts';
import type { Room } from '@hawker/protocol';
import { tickCosts } from './lib/metrics.ts';
import { nodeSettings } from './lib/settings.ts';
import { CpuMeter, rssMiB } from './lib/cpu.ts';
import { forkTs, LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { printTable, progress, round, writeResult } from './lib/report.ts';
import { deliveryFigures, drainDeliveries } from './lib/delivery.ts';
import { pinServerApart } from './lib/pin.ts';
import { benchRedis } from './lib/setup.ts';

const { values: opt } = parseArgs({
  options: {
    viewers: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    procs: { type: 'string', default: '4' },
    'probe-every': { type: 'string', default: '50' },
    'drain-seconds': { type: 'string', default: '10' },
    'max-rss-mib': { type: 'string', default: '4096' },
    only: { type: 'string' },
    likes: { type: 'string', default: '0' },
    crowd: { type: 'string' },
    budget: { type: 'string', default: '0' },
    pin: { type: 'boolean', default: false },
    // A node setting for Hawker's node (repeatable): an A/B of one setting, e.g. --set SOCKET_COALESCE_FLUSHES=false.
    set: { type: 'string', multiple: true, default: [] },
  },
});
const LIKES = Number(opt.likes);
const CROWD_COMPARE = opt.crowd === 'compare';
/** The node settings given with --set. */
const SETTINGS = nodeSettings(opt.set);
const VIEWERS = Number(opt.viewers);
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const PROCS = Number(opt.procs);
const PROBE_EVERY = Number(opt['probe-every']);
const DRAIN_S = Number(opt['drain-seconds']);
const MAX_RSS = Number(opt['max-rss-mib']);
// The per-connection event budget is 20/s: enough senders that each stays well under it.
const SENDERS = Math.max(10, Math.ceil(RATE / 10));
const SECRET = 'bench-secret-0123456789abcdef';

interface PhaseResult {
  system: string;
  viewers: number;
  offeredRate: number;
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  expectedDeliveries: number;
  deliveries: number;
  deliveredPerSec: number;
  completeness: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; samples: number };
  serverCpuCores: number;
  /** The load generators' CPU (viewers and senders), on the same cores. */
  loadCpuCores: number;
  redisCpuCores?: number;
  serverPeakRssMiB: number;
  abortedForMemory: boolean;
  /** Hawker only: the node's tick fan-out over the whole phase (joins included), from hawker_ticks_*_total. */
  ticks?: TickCosts;
}

/** hawker_ticks_<field>_total by event, as the node's /metrics reports them. */
type TickCosts = Awaited<ReturnType<typeof tickCosts>>;

type Target = {
  system: string;
  url: string;
  roomId: string;
  pids: Record<string, number>;
  serverPid: number;
  /** The server exports hawker_ticks_* (Hawker; the baseline has no /metrics). */
  metrics?: boolean;
  close(): Promise<void>;
};

/** A Hawker node; `extra` env on top (the crowd pipeline on/off comparison), `label` after the system's name. */
async function hawker(extra: Record<string, string> = {}, label = ''): Promise<Target> {
  const redis = await benchRedis('chat');
  const env = {
    ...extra,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    MEDIASOUP_WORKERS: '1',
    // One room's chat at RATE messages/s from SENDERS users: lift the per-user rate limit, which is not under test.
    CHAT_RATE_BURST: '1000',
    CHAT_RATE_PER_MIN: '60000',
    // Nor the per-user like rate, the per-connection event budget or the cut of clients past them (issue 14's limits,
    // measured by bench:soak): a sender chatting and tapping likes at the bench's rate is not an abuser here.
    LIKES_PER_USER_PER_SEC: '1000',
    SOCKET_EVENTS_PER_SEC: '10000',
    SOCKET_EVENTS_BURST: '10000',
    SOCKET_CUT_REFUSALS: '1000000',
    CHAT_VIEWER_BUDGET_PER_S: String(Number(opt.budget)),
    ...SETTINGS,
  };
  const node = await spawnNode(env, redis.url);
  onCleanup(() => node.kill());
  if (opt.pin) pinServerApart(node.pid, [redis.pid]);
  const creator = await devToken(node.url, { userId: 'creator1', name: 'Creator', role: 'creator' });
  const room = await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: 'Chat bench' });
  await api(node.url, 'POST', `/api/rooms/${room.body.id}/live`, creator);
  return {
    system: `hawker (batched per 100 ms tick)${label}`,
    url: node.url,
    roomId: room.body.id,
    serverPid: node.pid,
    pids: { server: node.pid, redis: redis.pid },
    metrics: true,
    close: async () => {
      await node.close();
      await redis.stop();
    },
  };
}

async function baseline(): Promise<Target> {
  const child = forkTs('bench/chat/baselineServer.ts');
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  if (opt.pin) pinServerApart(child.pid!, []);
  return {
    system: 'baseline (one broadcast per message)',
    url: ready.url,
    roomId: 'bench',
    serverPid: child.pid!,
    pids: { server: child.pid! },
    close: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function phase(start: () => Promise<Target>): Promise<PhaseResult> {
  const target = await start();
  progress(`${target.system}: server at ${target.url}, connecting ${VIEWERS} viewers over ${PROCS} processes and ${SENDERS} senders`);
  const per = Math.ceil(VIEWERS / PROCS);
  let connected = 0;
  const viewers = Array.from({ length: PROCS }, (_, p) =>
    LoadProcess.start(
      `viewers${p}`,
      'bench/chat/viewers.ts',
      {
        url: target.url,
        roomId: target.roomId,
        secret: SECRET,
        idPrefix: `v${p}_`,
        count: Math.min(per, VIEWERS - p * per),
        probeEvery: PROBE_EVERY,
      },
      (e) => {
        if ((e as { connected?: number }).connected) progress(`  ${(connected += 250)} viewers connected`);
      },
    ),
  );
  const senders = LoadProcess.start(
    'senders',
    'bench/chat/senders.ts',
    { url: target.url, roomId: target.roomId, secret: SECRET, senders: SENDERS },
    (e) => progress(`  sent ${(e as { sent: number }).sent}, accepted ${(e as { accepted: number }).accepted}`),
  );
  try {
    const joined = await Promise.all(viewers.map((v) => v.call<{ connected: number; probes: number }>('connect', {}, 300_000)));
    await senders.call('connect', {}, 120_000);
    const total = joined.reduce((n, j) => n + j.connected, 0);
    progress(
      `${target.system}: ${total} viewers (${joined.reduce((n, j) => n + j.probes, 0)} probes) in the room; sending ${RATE} msg/s for ${SECONDS} s`,
    );
    // Let join-time pushes settle: the last viewer count of the joins can be held back by the room's tick write budget
    // for up to TICK_ROOM_MAX_GAP_MS (2 s by default) before it goes to every viewer at once.
    await new Promise((r) => setTimeout(r, 1_000 + Number(SETTINGS.TICK_ROOM_MAX_GAP_MS ?? 2_000)));
    await Promise.all(viewers.map((v) => v.call('reset')));
    const cpu = new CpuMeter({ ...target.pids, ...Object.fromEntries([...viewers, senders].map((p) => [p.name, p.pid])) });
    let peakRss = 0;
    let abortedForMemory = false;
    // A server that cannot keep up buffers every undelivered packet: stop sending before it eats the machine.
    const guard = setInterval(() => {
      const rss = rssMiB(target.serverPid) ?? 0;
      peakRss = Math.max(peakRss, rss);
      if (rss > MAX_RSS && !abortedForMemory) {
        abortedForMemory = true;
        progress(`  server RSS ${Math.round(rss)} MiB > ${MAX_RSS}: stopping the senders`);
        void senders.call('abort');
      }
    }, 250);
    cpu.start();
    const t0 = Date.now();
    const outcome = await senders.call<{ sent: number; accepted: number; refused: Record<string, number>; endedAt: number }>(
      'send',
      { rate: RATE, seconds: SECONDS, likeRate: LIKES },
      (SECONDS + 60) * 1000,
    );
    // Unanswered sends may have been broadcast (an overloaded server answers late): count them as expected too.
    const refusedForSure = Object.entries(outcome.refused).reduce((n, [code, k]) => (code === 'NO_ACK' ? n : n + k), 0);
    const expected = (outcome.sent - refusedForSure) * total;
    // Drain: wait (bounded) until every accepted message reached every viewer.
    await drainDeliveries(viewers, expected, DRAIN_S);
    const cores = cpu.stop();
    clearInterval(guard);
    const got = await deliveryFigures(viewers, expected, t0, outcome.endedAt);
    const ticks = target.metrics ? await tickCosts(target.url).catch(() => undefined) : undefined;
    return {
      system: target.system,
      viewers: total,
      offeredRate: RATE,
      sent: outcome.sent,
      accepted: outcome.accepted,
      refused: outcome.refused,
      ...got,
      serverCpuCores: cores.server!,
      loadCpuCores: [...viewers, senders].reduce((n, p) => n + (cores[p.name] ?? 0), 0),
      ...(cores.redis !== undefined ? { redisCpuCores: cores.redis } : {}),
      serverPeakRssMiB: Math.round(peakRss),
      abortedForMemory,
      ...(ticks ? { ticks } : {}),
    };
  } finally {
    await Promise.all([...viewers, senders].map((p) => p.stop()));
    await target.close();
  }
}

runMain(
  'bench:chat',
  async () => {
    const results: PhaseResult[] = [];
    if (CROWD_COMPARE) {
      results.push(await phase(() => hawker({ CROWD_PIPELINE: 'false' }, ', crowd pipeline off')));
      results.push(await phase(() => hawker({ CROWD_PIPELINE: 'true' }, ', crowd pipeline on')));
      if (opt.only === 'baseline') results.push(await phase(baseline));
    } else {
      if (opt.only !== 'baseline') results.push(await phase(() => hawker()));
      if (opt.only !== 'hawker') results.push(await phase(baseline));
    }
    printTable(`P2 chat fan-out: ${VIEWERS} viewers, ${RATE} msg/s offered for ${SECONDS} s, one node`, [
      ['system', 'accepted', 'delivered/s', 'complete', 'p50 ms', 'p99 ms', 'server CPU', 'redis CPU', 'load CPU', 'peak RSS MiB'],
      ...results.map((r) => [
        r.system,
        r.accepted,
        Math.round(r.deliveredPerSec),
        `${round(r.completeness * 100)}%`,
        r.latencyMs.p50,
        r.latencyMs.p99,
        `${round(r.serverCpuCores * 100)}%`,
        r.redisCpuCores !== undefined ? `${round(r.redisCpuCores * 100)}%` : '-',
        `${round(r.loadCpuCores * 100)}%`,
        r.serverPeakRssMiB,
      ]),
    ]);
    for (const r of results.filter((x) => x.ticks)) {
      // Per push = one room's tick on this node: a write per connection in the room, one PUBLISH per tick for every room.
      const rows = Object.entries(r.ticks!).map(([event, c]) => {
        const pushes = c.pushes ?? 0;
        const per = (n: number | undefined) => (pushes > 0 ? round((n ?? 0) / pushes, 1) : '-');
        return [event, c.published ?? 0, pushes, c.writes ?? 0, c.dropped ?? 0, c.bytes ?? 0, per(c.writes), per(c.bytes), per(c.dropped)];
      });
      printTable(`tick fan-out of ${r.system} over the phase (joins included; volatile, Redis pub/sub, not in the recovery stream)`, [
        ['event', 'published', 'pushes', 'writes', 'dropped', 'bytes', 'writes/push', 'bytes/push', 'dropped/push'],
        ...rows,
      ]);
    }
    let crowd: { offP99: number; onP99: number; rise: number } | undefined;
    if (CROWD_COMPARE) {
      const [off, on] = results as [PhaseResult, PhaseResult];
      crowd = { offP99: off.latencyMs.p99, onP99: on.latencyMs.p99, rise: on.latencyMs.p99 / Math.max(1, off.latencyMs.p99) - 1 };
      console.log(
        `\ncrowd pipeline on vs off: p99 ${crowd.onP99} vs ${crowd.offP99} ms (${crowd.rise >= 0 ? '+' : ''}${round(crowd.rise * 100, 1)}%); goal < +10%: ${crowd.rise < 0.1 ? 'met' : 'NOT met'}; server CPU ${round(on.serverCpuCores * 100)}% vs ${round(off.serverCpuCores * 100)}%`,
      );
    }
    const [h, b] = CROWD_COMPARE ? [results[1], results[2]] : results;
    const ratios = h && b ? { deliveredPerSec: h.deliveredPerSec / b.deliveredPerSec, p99: b.latencyMs.p99 / h.latencyMs.p99 } : undefined;
    if (ratios)
      console.log(
        `\nhawker / baseline: ${round(ratios.deliveredPerSec, 2)}x delivered messages/s; baseline p99 is ${round(ratios.p99, 1)}x hawker's`,
      );
    if (h) {
      // With a delivery budget a viewer is owed only the budget's sample (plus their own, the creator's and moderators'
      // messages), so "complete" against the full fan-out is not the test; the p99 of what was delivered is.
      const budget = Number(opt.budget);
      const delivered = budget > 0 ? true : h.completeness >= 0.999;
      console.log(
        `goal p99 <= 250 ms at 5,000 x 500/s${budget > 0 ? `, delivery budget ${budget}/s per viewer` : ''}${opt.pin ? ', server pinned to CPU 0' : ''}: ${VIEWERS < 5_000 || RATE < 500 ? `not this run's size (${VIEWERS} x ${RATE}/s)` : h.latencyMs.p99 <= 250 && delivered ? 'met' : 'NOT met'} (p99 ${h.latencyMs.p99} ms, ${round(h.completeness * 100, 2)}% of the full fan-out delivered)`,
      );
    }
    console.log(
      `machine load average during the run: ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    console.log(
      `\nwrote ${writeResult('chat', { options: { VIEWERS, RATE, SECONDS, PROCS, SENDERS, PROBE_EVERY, LIKES, CROWD_COMPARE }, results, ratios, crowd })}`,
    );
  },
  900,
);
