/**
 * `node --import tsx bench/crowd.ts [--viewers 10000] [--minutes 60] [--flush-s 2]`
 *
 * Crowd pipeline ingestion (issue 19, item 7): one room of `--viewers` viewers for `--minutes` simulated minutes, its
 * viewer events fed to the real CrowdPipeline (server/crowd/pipeline.ts) and written by the real CrowdStore into
 * PostgreSQL (migration 0013), in accelerated time: each simulated second's events are recorded at once, and every
 * `--flush-s` simulated seconds the batch is flushed and awaited. The node records events on its event loop and
 * writes batches asynchronously, so two figures matter:
 *
 * - main-thread cost per event (recording is map arithmetic) and per flush (building the statements' arrays), which is
 *   what could delay a chat tick in the same process;
 * - the flush's wall time against its interval: below it, PostgreSQL keeps up with the room in real time; the
 *   ingestion rate is events / (recording + flush wall time).
 *
 * The audience model (per hour, 10,000 viewers; stated in docs/centre-field.md, "Pipeline"):
 * - sessions of 15 min on average: 40,000 joins and as many leaves; every open session's watch time credited each
 *   300 s (CROWD_WATCH_CREDIT_MS) and at its leave;
 * - 20% of viewers like, each sending one like:tap (a client-side batch of taps) every 2 s;
 * - 3 product clicks per viewer per hour; 5% follow; a pin every 5 minutes, a flash sale every 15.
 *
 * Then `--realtime-s` seconds twice in real time at the same per-second event rate, pipeline off (events generated and
 * discarded) and on (recorded, flushed every `--flush-s` s on a timer, as the node does), measuring the event loop's
 * delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution): chat ticks, room ticks and socket writes of a node run on
 * that loop, so its p99 delay is what the pipeline could add to a chat message's latency in the same process.
 *
 * PostgreSQL: DATABASE_URL, or a private one (bench/lib/setup.ts).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CrowdPipeline, type CrowdScope } from '../server/crowd/pipeline.ts';
import { CrowdStore } from '../server/crowd/store.ts';
import { createLogger } from '../server/kernel/log.ts';
import { migrateLedger } from '../server/ledger/db.ts';
import { onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchPostgres } from './lib/setup.ts';

const { values: args } = parseArgs({
  options: {
    viewers: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '60' },
    'flush-s': { type: 'string', default: '2' },
    'realtime-s': { type: 'string', default: '60' },
  },
});
const VIEWERS = Number(args.viewers);
const MINUTES = Number(args.minutes);
const FLUSH_S = Number(args['flush-s']);
const REALTIME_S = Number(args['realtime-s']);
const SESSION_S = 15 * 60;
const LIKER_SHARE = 0.2;
const TAP_EVERY_S = 2;
const CLICKS_PER_VIEWER_HOUR = 3;
const FOLLOW_SHARE = 0.05;

runMain(
  'crowd',
  async () => {
    const url = await benchPostgres();
    const schema = `h_bench_crowd_${Date.now().toString(36)}`;
    const log = createLogger('error');
    await migrateLedger({ url, schema, log });
    const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
    pool.on('error', () => {}); // idle clients when the private PostgreSQL stops at the end
    onCleanup(async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await pool.end();
    });
    const store = new CrowdStore(pool);
    const pipeline = new CrowdPipeline('bench-node', store, { maxRows: 200_000, creditMs: 300_000 }, log);
    const roomId = 'benchroom';
    const scopes: CrowdScope[] = [
      { kind: 'creator', id: 'c1' },
      { kind: 'agency', id: 'ag1' },
    ];
    const shopScopes: CrowdScope[] = [...scopes, { kind: 'shop', id: 'shop1' }];

    // Viewer slots: each slot holds one viewer at a time; a leaving viewer is replaced by a new one at once.
    const t0 = Date.UTC(2026, 11, 7, 12, 0, 0);
    let nextUser = 0;
    const slots = Array.from({ length: VIEWERS }, (_, i) => ({ socket: `s${i}-0`, userId: `u${nextUser++}`, gen: 0 }));
    let events = 0;
    let recordNs = 0n;
    const flushWallMs: number[] = [];
    const flushMainMs: number[] = [];
    const flushRows: number[] = [];
    const rand = mulberry32(42);
    const record = (fn: () => void) => {
      const a = process.hrtime.bigint();
      fn();
      recordNs += process.hrtime.bigint() - a;
      events++;
    };
    for (const s of slots) record(() => pipeline.join(s.socket, roomId, s.userId, scopes, t0));

    const wallStart = performance.now();
    const seconds = MINUTES * 60;
    for (let sec = 1; sec <= seconds; sec++) {
      const now = t0 + sec * 1000;
      // Churn: each viewer leaves with probability 1/SESSION_S per second and is replaced.
      for (const s of slots) {
        if (rand() >= 1 / SESSION_S) continue;
        record(() => pipeline.leave(s.socket, roomId, now));
        s.gen++;
        s.socket = `s${s.socket.split('-')[0]!.slice(1)}-${s.gen}`;
        s.userId = `u${nextUser++}`;
        record(() => pipeline.join(s.socket, roomId, s.userId, scopes, now));
      }
      // Likes: the likers each send one tap event every TAP_EVERY_S seconds (spread over the seconds).
      const likers = Math.round(VIEWERS * LIKER_SHARE);
      for (let i = sec % TAP_EVERY_S; i < likers; i += TAP_EVERY_S) {
        const s = slots[i]!;
        record(() => pipeline.like(roomId, s.userId, scopes, 3, now));
      }
      // Clicks and follows, at their hourly rates.
      const clicks = poisson(rand, (VIEWERS * CLICKS_PER_VIEWER_HOUR) / 3600);
      for (let i = 0; i < clicks; i++) {
        const s = slots[Math.floor(rand() * VIEWERS)]!;
        record(() => {
          pipeline.fact(shopScopes, s.userId, { clicks: 1 }, null, now);
          pipeline.viewer(roomId, s.userId, { clicks: 1 }, null, now);
          pipeline.minute(roomId, { clicks: 1 }, now);
        });
      }
      const follows = poisson(rand, (VIEWERS * FOLLOW_SHARE) / 3600);
      for (let i = 0; i < follows; i++) {
        const s = slots[Math.floor(rand() * VIEWERS)]!;
        record(() => pipeline.fact(scopes, s.userId, { follows: 1 }, null, now));
      }
      if (sec % 300 === 0) record(() => pipeline.marker(roomId, 'pin', 'p1', now));
      if (sec % 900 === 0) record(() => pipeline.marker(roomId, 'sale', 'p1', now));
      if (sec % FLUSH_S === 0) {
        const rows = pipeline.pending;
        const a = performance.now();
        const flushed = pipeline.flush(now); // tick (credits) and the arrays are built synchronously here
        flushMainMs.push(performance.now() - a);
        await flushed;
        flushWallMs.push(performance.now() - a);
        flushRows.push(rows);
      }
      if (sec % 600 === 0) progress(`${sec / 60} of ${MINUTES} simulated minutes, ${events.toLocaleString('en-US')} events`);
    }
    await pipeline.flush(t0 + seconds * 1000);
    const wallS = (performance.now() - wallStart) / 1000;
    const { rows: counts } = await pool.query(
      `SELECT (SELECT count(*) FROM crowd_daily)::int AS daily, (SELECT count(*) FROM room_viewers)::int AS viewers,
              (SELECT count(*) FROM room_minutes)::int AS minutes, (SELECT sum(likes) FROM room_minutes)::bigint AS likes`,
    );
    const flushTotalS = flushWallMs.reduce((s, v) => s + v, 0) / 1000;
    const recordS = Number(recordNs) / 1e9;
    const result = {
      viewers: VIEWERS,
      simulatedMinutes: MINUTES,
      flushEverySeconds: FLUSH_S,
      events,
      eventsPerSimulatedSecond: round(events / seconds, 0),
      rowsWritten: pipeline.written,
      dropped: pipeline.dropped,
      failedBatches: pipeline.failed,
      recordNsPerEvent: round(Number(recordNs) / events, 0),
      flush: {
        count: flushWallMs.length,
        rowsP50: percentile(flushRows, 50),
        rowsMax: Math.max(...flushRows),
        wallMsP50: round(percentile(flushWallMs, 50)),
        wallMsP99: round(percentile(flushWallMs, 99)),
        wallMsMax: round(Math.max(...flushWallMs)),
        mainThreadMsP50: round(percentile(flushMainMs, 50), 2),
        mainThreadMsP99: round(percentile(flushMainMs, 99), 2),
      },
      ingestEventsPerSecond: round(events / (recordS + flushTotalS), 0),
      realTimeFactor: round(seconds / wallS, 1),
      mainThreadShareOfOneCore: round(((recordS + flushMainMs.reduce((s, v) => s + v, 0) / 1000) / seconds) * 100, 2),
      tables: counts[0],
    };
    printTable('crowd pipeline, one room', [
      ['viewers', VIEWERS],
      ['simulated minutes', MINUTES],
      ['events', events.toLocaleString('en-US')],
      ['events / simulated s', result.eventsPerSimulatedSecond],
      ['rows written', result.rowsWritten.toLocaleString('en-US')],
      ['dropped', result.dropped],
      ['record ns/event', result.recordNsPerEvent],
      ['flush rows p50 / max', `${result.flush.rowsP50} / ${result.flush.rowsMax}`],
      ['flush wall ms p50 / p99 / max', `${result.flush.wallMsP50} / ${result.flush.wallMsP99} / ${result.flush.wallMsMax}`],
      ['flush main-thread ms p50 / p99', `${result.flush.mainThreadMsP50} / ${result.flush.mainThreadMsP99}`],
      ['ingest events/s', result.ingestEventsPerSecond],
      ['x real time', result.realTimeFactor],
      ['main-thread % of a core', result.mainThreadShareOfOneCore],
    ]);
    const loop: Record<string, { p50: number; p99: number; max: number; events: number }> = {};
    for (const phase of ['off', 'on'] as const) {
      progress(`real time, pipeline ${phase}, ${REALTIME_S} s`);
      const rt = new CrowdPipeline('bench-rt', store, { maxRows: 200_000, creditMs: 300_000 }, log);
      const on = phase === 'on';
      const users = Array.from({ length: VIEWERS }, (_, i) => `rt${phase}${i}`);
      if (on) users.forEach((u, i) => rt.join(`rt${i}`, `${roomId}-${phase}`, u, scopes, Date.now()));
      const timer = on ? setInterval(() => void rt.flush(), FLUSH_S * 1000) : null;
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      let n = 0;
      const sink = { likes: 0 };
      // The room's per-second events, spread over 10 slices a second (as they arrive from sockets).
      const likers = Math.round(VIEWERS * LIKER_SHARE);
      const perSlice = Math.ceil(likers / TAP_EVERY_S / 10);
      let cursor = 0;
      const end = Date.now() + REALTIME_S * 1000;
      while (Date.now() < end) {
        const now = Date.now();
        for (let i = 0; i < perSlice; i++) {
          const u = users[cursor++ % likers]!;
          if (on) rt.like(`${roomId}-${phase}`, u, scopes, 3, now);
          else sink.likes += u.length;
          n++;
        }
        if (rand() < 0.83) {
          const u = users[Math.floor(rand() * VIEWERS)]!;
          if (on) {
            rt.fact(shopScopes, u, { clicks: 1 }, null, now);
            rt.viewer(`${roomId}-${phase}`, u, { clicks: 1 }, null, now);
            rt.minute(`${roomId}-${phase}`, { clicks: 1 }, now);
          } else sink.likes += u.length;
          n++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      h.disable();
      if (timer) clearInterval(timer);
      await rt.flush();
      loop[phase] = {
        p50: round(h.percentile(50) / 1e6, 2),
        p99: round(h.percentile(99) / 1e6, 2),
        max: round(h.max / 1e6, 2),
        events: n,
      };
    }
    printTable('event-loop delay (ms), real time', [
      ['pipeline', 'events', 'p50', 'p99', 'max'],
      ...(['off', 'on'] as const).map((p) => [p, loop[p]!.events, loop[p]!.p50, loop[p]!.p99, loop[p]!.max]),
    ]);
    writeResult('crowd', { ...result, eventLoopDelayMs: loop });
  },
  3600,
);

/** A small seeded PRNG, so runs are comparable. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson draw (Knuth; small means). */
function poisson(rand: () => number, mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}
