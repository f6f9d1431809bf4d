/**
 * `node --import tsx bench/notices.ts [--followers 100000] [--workers 1]`
 *
 * Going-live notice fan-out (issue 19): one creator with `--followers` followers starts a live; the time until every
 * follower's notice list has it, through the real path (FollowService.roomEvent → BullMQ job → batches of NOTICE_BATCH:
 * insert, trim, one `notice:new` broadcast per batch) with `--workers` fan-out workers (one per node in production).
 * The Socket.IO server has no clients here, so the broadcasts cost only their adapter work: this measures PostgreSQL and
 * Redis, not socket writes. Also reported: PostgreSQL WAL written and the notices table's size, Redis commands run.
 * Followers are inserted straight into `follows` (generate_series). PostgreSQL: DATABASE_URL or a private one; Redis: a
 * private one (bench/lib/setup.ts).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Server } from 'socket.io';
import type { Room } from '@hawker/protocol';
import { FollowService, FollowStore } from '../server/follows/index.ts';
import type { HawkerIo } from '../server/kernel/context.ts';
import { createLogger } from '../server/kernel/log.ts';
import { migrateLedger } from '../server/ledger/db.ts';
import { onCleanup, runMain } from './lib/procs.ts';
import { printTable, progress, round, writeResult } from './lib/report.ts';
import { benchPostgres, benchRedis } from './lib/setup.ts';

const { values: args } = parseArgs({
  options: {
    followers: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '1' },
  },
});
const FOLLOWERS = Number(args.followers);
const WORKERS = Number(args.workers);

async function redisCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
}

async function main(): Promise<void> {
  const url = await benchPostgres();
  const redisServer = await benchRedis('notices');
  const schema = `h_bench_notices_${Date.now().toString(36)}`;
  const log = createLogger('error');
  await migrateLedger({ url, schema, log });
  const pool = new pg.Pool({ connectionString: url, max: 4 + WORKERS, options: `-c search_path=${schema}` });
  pool.on('error', () => {});
  onCleanup(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    await pool.end();
  });
  const conns: Redis[] = [];
  const conn = () => {
    const r = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    conns.push(r);
    return r;
  };
  onCleanup(async () => {
    for (const r of conns) r.disconnect();
  });
  const io = new Server() as unknown as HawkerIo;

  progress(`inserting ${FOLLOWERS.toLocaleString('en-US')} follows`);
  await pool.query(`INSERT INTO follows (user_id, creator_id) SELECT 'u' || lpad(i::text, 8, '0'), 'c1' FROM generate_series(1, $1) i`, [
    FOLLOWERS,
  ]);
  await pool.query('ANALYZE follows');

  const limits = { FOLLOWS_PER_USER: 2_000, NOTICES_PER_USER: 200 };
  const creators = { creator: async () => ({ name: 'c1' }), liveCreators: async () => new Set<string>() };
  const services = Array.from(
    { length: WORKERS },
    () => new FollowService(new FollowStore(pool), creators, limits, io, log, conn(), 'bench:'),
  );
  for (const s of services) {
    s.startWorker(conn());
    onCleanup(() => s.close());
  }
  const inspector = conn();
  const { rows: w0 } = await pool.query(`SELECT pg_current_wal_lsn() AS lsn`);
  const calls0 = await redisCalls(inspector);

  const room: Room = {
    id: 'r1',
    title: 'Big night',
    coverUrl: null,
    creatorId: 'c1',
    creatorName: 'c1',
    agencyId: null,
    status: 'live',
    scheduledAt: null,
    startedAt: Date.now(),
    endedAt: null,
    endReason: null,
    createdAt: Date.now(),
  };
  progress('fan-out');
  const t0 = performance.now();
  await services[0]!.roomEvent(room, 'live.started');
  // Done when the queue has nothing left (the planning job and every range job completed: a range job completes only
  // after its batches are flushed to disk), polled in Redis every 100 ms. Polling the notices table instead (a count
  // over up to a million rows, ten times a second) took a PostgreSQL core from the fan-out it measures.
  const queue = services[0]!.queue;
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed');
    const open = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'].reduce((n, k) => n + (c[k] ?? 0), 0);
    if ((c.completed ?? 0) > 0 && open === 0) break;
    if (performance.now() - t0 > 1_200_000) throw new Error('the fan-out did not finish within 20 min');
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - t0) / 1000;
  const { rows: counted } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notices WHERE id = 'r1.live'`);
  const given = counted[0]!.n;
  if (given !== FOLLOWERS) throw new Error(`the queue is done but ${given} of ${FOLLOWERS} lists have the notice`);
  const { rows: w1 } = await pool.query(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS wal, pg_total_relation_size('notices') AS notices`,
    [w0[0].lsn],
  );
  const calls = (await redisCalls(inspector)) - calls0;

  printTable(`notice fan-out to ${FOLLOWERS.toLocaleString('en-US')} followers (${WORKERS} worker(s))`, [
    ['measure', 'value'],
    ['time to every list (s)', round(seconds, 2)],
    ['notices per second', Math.round(FOLLOWERS / seconds)],
    ['PostgreSQL WAL (MB)', round(Number(w1[0].wal) / 2 ** 20)],
    ['notices table + indexes (MB)', round(Number(w1[0].notices) / 2 ** 20)],
    ['Redis commands', calls],
  ]);
  const file = writeResult('notices', {
    followers: FOLLOWERS,
    workers: WORKERS,
    seconds: round(seconds, 2),
    perSecond: Math.round(FOLLOWERS / seconds),
    walBytes: Number(w1[0].wal),
    noticesBytes: Number(w1[0].notices),
    redisCommands: calls,
  });
  progress(`result: ${file}`);
}

runMain('bench/notices', main, 1_800);
