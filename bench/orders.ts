/**
 * P3 orders end to end, and what the durable ledger costs. B buyers on real sockets each order one unit of a flash
 * sale at once; every order goes reserve -> BullMQ -> payment worker -> sandbox gateway (HTTP) -> "paid" pushed to the
 * buyer's socket. One run measures two systems on the same machine with the same buyers, gateway latency and worker
 * concurrency, each on a fresh sale, its own redis-server and its own sandbox gateway:
 *
 *   baseline  Redis-only orders: the node of `--baseline-ref` (default 95b25fa, the last commit before PostgreSQL became
 *             the system of record), run from a git worktree of that commit in a temp dir (removed at the end) with
 *             its own node entry (test/helpers/nodeMain.ts there, harness/nodeMain.ts here; spawnNode's `root`) and
             this checkout's node_modules.
 *   durable   this checkout's node with the PostgreSQL ledger (docs/commerce.md, "Ledger"): an order is answered only
 *             after its row is committed (group commit), each payment attempt is recorded before the gateway call,
 *             each status change is a PostgreSQL UPDATE, then a Redis mirror. The run's PostgreSQL (benchPostgres:
 *             fsync and synchronous_commit on, pool DATABASE_POOL_SIZE=--db-pool) serves it; its activity per paid
             order (commits, rows, WAL records, bytes and fsyncs) is printed too.
 *
 * Baseline first, then durable; `--rounds N` alternates them N times. For each phase: paid orders/s (first order sent
 * -> last settling push), end-to-end p50/p99 (order:place sent -> paid push received), the reservation stage's own
 * answers, and CPU per paid order: the node process's (CpuMeter), PostgreSQL's (the postmaster of the run's cluster
 * and all its backends and helpers, exited ones included), Redis's, the in-process sandbox gateway's, the buyers'
 * processes', and the whole machine's (other people's jobs included). One table puts both rows and the ratio
 * durable / baseline side by side; the JSON in bench/results/ holds every phase. Every phase checks the money: one
 * successful gateway charge per paid order, none twice; for the durable phase also the ledger's paid rows.
 *
 *   npm run bench:orders -- [--buyers 3000] [--gateway-latency-ms 20] [--concurrency 64] [--procs 3] [--rounds 1]
 *                           [--baseline-ref 95b25fa] [--db-pool 16] [--systems baseline,durable]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { bullPrefix, PAYMENT_QUEUE_NAME } from '../server/payments/queue.ts';
import { gatewayEnv, liveRoomWithProduct, saleCounts, scheduleSale, startSandbox } from '../harness/commerce.ts';
import { schemaFor } from '../harness/node.ts';
import { spawnNode } from '../harness/nodeProcess.ts';
import { CpuMeter, machineBusySeconds, postmasterPid, treeCpuSeconds } from './lib/cpu.ts';
import { LoadProcess, onCleanup, ROOT, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchPostgres, benchRedis } from './lib/setup.ts';

const { values: opt } = parseArgs({
  options: {
    buyers: { type: 'string', default: '3000' },
    'gateway-latency-ms': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
    procs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    'baseline-ref': { type: 'string', default: '95b25fa' },
    // The production default of DATABASE_POOL_SIZE (test nodes default to 4, which would be a bench artefact).
    'db-pool': { type: 'string', default: '16' },
    // Which systems to run: both (the comparison), or one alone (a profile or an A/B of the durable path between two
    // checkouts, where the Redis-only baseline's minutes buy nothing).
    systems: { type: 'string', default: 'baseline,durable' },
  },
});
const BUYERS = Number(opt.buyers);
const LATENCY = Number(opt['gateway-latency-ms']);
const CONCURRENCY = Number(opt.concurrency);
const PROCS = Number(opt.procs);
const ROUNDS = Number(opt.rounds);
const BASELINE_REF = opt['baseline-ref'];
const DB_POOL = Number(opt['db-pool']);
const SYSTEMS = opt.systems.split(',').map((s) => s.trim());
for (const s of SYSTEMS) if (s !== 'baseline' && s !== 'durable') throw new Error(`--systems: unknown system ${s}`);
const SECRET = 'bench-secret-0123456789abcdef';

type System = 'baseline' | 'durable';

type Fired = {
  firstSent: number;
  lastAnswer: number;
  latencies: number[];
  outcomes: Record<string, number>;
  reserved: string[];
  settled: { orderId: string; status: string; ms: number }[];
  lastSettled: number;
};

type Phase = Awaited<ReturnType<typeof runPhase>>;

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * A worktree of `ref` in a temp dir, its node_modules a symlink to this checkout's (same dependencies; the mediasoup
 * worker binary is in there), removed at the end of the run whatever happens.
 */
function baselineTree(ref: string): { dir: string; commit: string } {
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  git('worktree', 'prune');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hawker-baseline-'));
  const dir = path.join(tmp, 'tree');
  onCleanup(() => {
    try {
      git('worktree', 'remove', '--force', dir);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      git('worktree', 'prune');
    }
  });
  git('worktree', 'add', '--detach', dir, commit);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return { dir, commit };
}

runMain(
  'bench:orders',
  async () => {
    const databaseUrl = await benchPostgres();
    const pgPort = Number(new URL(databaseUrl).port || 5432);
    const postmaster = postmasterPid(pgPort);
    if (!postmaster) progress(`no postmaster on port ${pgPort} on this machine: PostgreSQL's CPU is not measured`);
    const baseline = SYSTEMS.includes('baseline') ? baselineTree(BASELINE_REF) : { dir: '', commit: 'not run' };
    const head = git('rev-parse', 'HEAD');
    // The durable node runs this working tree, whatever others have edited in it: say so in the result.
    const uncommitted = git('status', '--porcelain', '--', 'server', 'protocol', 'harness').split('\n').filter(Boolean);
    progress(
      `baseline: ${BASELINE_REF} = ${baseline.commit.slice(0, 12)} (Redis only), worktree ${baseline.dir}; durable: HEAD ${head.slice(0, 12)}${uncommitted.length ? ` + ${uncommitted.length} uncommitted files under server/, protocol/ and harness/` : ''}`,
    );
    progress(
      `machine load average before the run: ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')} on ${os.availableParallelism()} cores`,
    );

    const phases: Phase[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      for (const system of (['baseline', 'durable'] as const).filter((s) => SYSTEMS.includes(s))) {
        phases.push(await runPhase(system, r, system === 'baseline' ? baseline.dir : ROOT, postmaster));
      }
    }

    // The median of each system's rounds (the mean of the middle two for an even count).
    const median = (system: System, f: (p: Phase) => number) => {
      const xs = phases
        .filter((p) => p.system === system)
        .map(f)
        .sort((a, b) => a - b);
      return xs.length % 2 === 1 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
    };
    const keys = {
      paidPerSec: (p: Phase) => p.paidPerSec,
      reservePerSec: (p: Phase) => p.reservePerSec,
      endToEndP50: (p: Phase) => p.endToEndMs.p50,
      endToEndP99: (p: Phase) => p.endToEndMs.p99,
      reserveAnswerP50: (p: Phase) => p.reserveAnswerMs.p50,
      nodeCpuMsPerPaid: (p: Phase) => p.cpuMsPerPaid.node,
      postgresCpuMsPerPaid: (p: Phase) => p.cpuMsPerPaid.postgres,
      redisCpuMsPerPaid: (p: Phase) => p.cpuMsPerPaid.redis,
      nodeAndStoresCpuMsPerPaid: (p: Phase) => p.cpuMsPerPaid.node + p.cpuMsPerPaid.postgres + p.cpuMsPerPaid.redis,
      allOursCpuMsPerPaid: (p: Phase) => p.cpuMsPerPaid.allOurs,
    };
    const summary = Object.fromEntries(
      Object.entries(keys).map(([name, f]) => {
        const b = median('baseline', f);
        const d = median('durable', f);
        return [name, { baseline: b, durable: d, ratio: d / b }];
      }),
    ) as Record<keyof typeof keys, { baseline: number; durable: number; ratio: number }>;

    // The ratio row and the cost of durability only when both systems ran (`--systems` may pick one).
    const bothSystems = SYSTEMS.includes('baseline') && SYSTEMS.includes('durable');
    const title = `P3 orders end to end, Redis-only (${BASELINE_REF}) vs durable ledger (HEAD): ${BUYERS} buyers, one order each; gateway ${LATENCY} ms, worker concurrency ${CONCURRENCY}`;
    printTable(title, [
      [
        'system',
        'round',
        'reserved',
        'paid',
        'paid/s',
        'e2e p50 ms',
        'e2e p99 ms',
        'reserve/s',
        'answer p50 ms',
        'node ms/paid',
        'PG ms/paid',
        'Redis ms/paid',
        'node cores',
        'PG cores',
        'busy cores',
      ],
      ...phases.map((p) => [
        p.system,
        p.round,
        p.reserved,
        p.paid,
        Math.round(p.paidPerSec),
        round(p.endToEndMs.p50),
        round(p.endToEndMs.p99),
        Math.round(p.reservePerSec),
        round(p.reserveAnswerMs.p50),
        round(p.cpuMsPerPaid.node, 2),
        round(p.cpuMsPerPaid.postgres, 2),
        round(p.cpuMsPerPaid.redis, 2),
        round(p.cores.node, 2),
        round(p.cores.postgres, 2),
        round(p.cores.machine, 2),
      ]),
      ...(bothSystems
        ? [
            [
              `durable / baseline${ROUNDS > 1 ? ' (medians)' : ''}`,
              '',
              '',
              '',
              `${round(summary.paidPerSec.ratio, 2)}x`,
              `${round(summary.endToEndP50.ratio, 2)}x`,
              `${round(summary.endToEndP99.ratio, 2)}x`,
              `${round(summary.reservePerSec.ratio, 2)}x`,
              `${round(summary.reserveAnswerP50.ratio, 2)}x`,
              `${round(summary.nodeCpuMsPerPaid.ratio, 2)}x`,
              '',
              `${round(summary.redisCpuMsPerPaid.ratio, 2)}x`,
              '',
              '',
              '',
            ],
          ]
        : []),
    ]);
    printTable('CPU ms per paid order, by process (CPU seconds over the phase / paid orders)', [
      ['system', 'round', 'node', 'PostgreSQL', 'Redis', 'sandbox gateway', 'buyers', 'all of ours', 'whole machine'],
      ...phases.map((p) => [
        p.system,
        p.round,
        round(p.cpuMsPerPaid.node, 2),
        round(p.cpuMsPerPaid.postgres, 2),
        round(p.cpuMsPerPaid.redis, 2),
        round(p.cpuMsPerPaid.gateway, 2),
        round(p.cpuMsPerPaid.buyers, 2),
        round(p.cpuMsPerPaid.allOurs, 2),
        round(p.cpuMsPerPaid.machine, 2),
      ]),
    ]);
    for (const p of phases) {
      printTable(`${p.system} round ${p.round}: where a paid order spends its time (BullMQ job timestamps, one host clock)`, [
        ['stage', 'p50 ms', 'p99 ms', 'max ms'],
        ...Object.entries(p.stages).map(([name, d]) => [name, round(d.p50), round(d.p99), round(d.max)]),
      ]);
    }
    console.log('');
    for (const p of phases) {
      console.log(
        `${p.system} round ${p.round}: settled ${p.settled} of ${p.reserved} (${p.unsettled} unsettled); gateway: ${p.gatewaySucceeded} successful charges, ${p.chargedTwice} orders charged twice; ` +
          `sale ${JSON.stringify(p.sale)}${p.ledger ? `; ledger rows ${JSON.stringify(p.ledger)}` : ''}; load average at the end ${p.loadavg.join(' ')}`,
      );
      if (p.statements) {
        printTable(`${p.system} round ${p.round}: PostgreSQL statements by execution time (pg_stat_statements)`, [
          ['statement', 'calls/paid', 'exec ms/paid', 'mean ms', 'rows/call'],
          ...p.statements.map((st) => [
            st.query,
            round(st.callsPerPaid, 2),
            round(st.execMsPerPaid, 3),
            round(st.meanMs, 3),
            round(st.rowsPerCall, 1),
          ]),
        ]);
      }
      if (p.postgresPerPaid) {
        console.log(
          `  PostgreSQL per paid order: ${Object.entries(p.postgresPerPaid)
            .map(([k, v]) => `${k} ${round(v, 2)}`)
            .join(', ')}`,
        );
      }
    }
    if (SYSTEMS.includes('durable')) {
      // The issue's per-order goals, on the durable phases' medians: node <= 2 ms; node, PostgreSQL, Redis and the
      // gateway (the payment worker runs in the node) <= 4 ms. The buyers are the load, not the system.
      const node = median('durable', (p) => p.cpuMsPerPaid.node);
      const system = median(
        'durable',
        (p) => p.cpuMsPerPaid.node + p.cpuMsPerPaid.postgres + p.cpuMsPerPaid.redis + p.cpuMsPerPaid.gateway,
      );
      console.log(`\ngoal node CPU <= 2 ms per paid order: ${node <= 2 ? 'met' : 'NOT met'} (${round(node, 2)} ms)`);
      console.log(
        `goal node + PostgreSQL + Redis + gateway CPU <= 4 ms per paid order: ${system <= 4 ? 'met' : 'NOT met'} (${round(system, 2)} ms)`,
      );
    }
    if (bothSystems)
      console.log(
        `\ndurability costs: ${round(summary.paidPerSec.ratio, 2)}x the paid orders/s (${Math.round(summary.paidPerSec.baseline)} -> ${Math.round(summary.paidPerSec.durable)}), ` +
          `${round(summary.nodeCpuMsPerPaid.ratio, 2)}x the node CPU per paid order (${round(summary.nodeCpuMsPerPaid.baseline, 2)} -> ${round(summary.nodeCpuMsPerPaid.durable, 2)} ms) ` +
          `plus ${round(summary.postgresCpuMsPerPaid.durable, 2)} ms in PostgreSQL; node + PostgreSQL + Redis ${round(summary.nodeAndStoresCpuMsPerPaid.baseline, 2)} -> ${round(summary.nodeAndStoresCpuMsPerPaid.durable, 2)} ms ` +
          `(${round(summary.nodeAndStoresCpuMsPerPaid.ratio, 2)}x); every process of the bench ${round(summary.allOursCpuMsPerPaid.ratio, 2)}x`,
      );
    console.log(
      `goal >= 1,000 paid orders/s with the durable ledger: ${summary.paidPerSec.durable >= 1000 ? 'met' : 'NOT met'} (${Math.round(summary.paidPerSec.durable)}/s)`,
    );
    console.log(
      `machine load average: ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')} on ${os.availableParallelism()} cores`,
    );
    console.log(
      `\nwrote ${writeResult('orders', {
        options: { BUYERS, LATENCY, CONCURRENCY, PROCS, ROUNDS, BASELINE_REF, DB_POOL },
        baseline: { ref: BASELINE_REF, commit: baseline.commit },
        durable: { commit: head, uncommitted },
        summary,
        phases,
      })}`,
    );
    const bad = phases.filter((p) => p.chargedTwice > 0 || p.paid !== p.gatewaySucceeded || (p.ledger && p.ledger.paid !== p.paid));
    if (bad.length > 0)
      throw new Error(`money check failed in ${bad.map((p) => `${p.system} round ${p.round}`).join(', ')}: see the lines above`);
  },
  300 + 600 * 2 * ROUNDS,
);

/** One system, one fresh sale: its own Redis, sandbox gateway, node and buyers, all stopped at the end of the phase. */
async function runPhase(system: System, roundNo: number, root: string, postmaster: number | undefined) {
  progress(`--- ${system}, round ${roundNo}`);
  const redis = await benchRedis(`orders-${system}`);
  const sandbox = await startSandbox({ latencyMs: LATENCY });
  onCleanup(() => sandbox.close());
  // Production timeouts and back-off, not the tests' short ones: on a busy box a 2 s timeout with 50 ms back-off turns
  // slow answers into a retry storm that measures the storm, not the pipeline.
  const env = {
    ...gatewayEnv(sandbox),
    PAYMENT_REQUEST_TIMEOUT_MS: '5000',
    PAYMENT_BACKOFF_MS: '1000',
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    MEDIASOUP_WORKERS: '1',
    PAYMENT_WORKER_CONCURRENCY: String(CONCURRENCY),
    // Read by the durable node only (the baseline's configuration schema drops variables it does not know).
    DATABASE_POOL_SIZE: String(DB_POOL),
  };
  // The durable node migrates a fresh schema on the run's own cluster (every migration fsynced) before it is ready: on
  // a box shared with other work that took over a minute, so start-up gets three before the phase gives up.
  const node = await spawnNode(env, redis.url, 180_000, root);
  onCleanup(() => node.kill());
  sandbox.update({ webhookUrl: `${node.url}/api/payments/webhook` });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: BUYERS });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: BUYERS, perBuyerLimit: 1, durationMs: 30 * 60_000 });

  progress(`connecting ${BUYERS} buyers over ${PROCS} processes; gateway latency ${LATENCY} ms, worker concurrency ${CONCURRENCY}`);
  const per = Math.ceil(BUYERS / PROCS);
  let connected = 0;
  const procs = Array.from({ length: PROCS }, (_, p) =>
    LoadProcess.start(
      `buyers${p}`,
      'bench/flash-sale/buyers.ts',
      {
        url: node.url,
        roomId: room.id,
        saleId: sale.id,
        secret: SECRET,
        idPrefix: `b${p}_`,
        count: Math.min(per, BUYERS - p * per),
        attempts: 1,
        waitSettled: true,
        settleMs: 120_000,
      },
      () => progress(`  ${(connected += 500)} buyers in the room`),
    ),
  );
  await Promise.all(procs.map((p) => p.call('connect', {}, 600_000)));
  progress(
    `go: ${BUYERS} orders (load average ${os
      .loadavg()
      .map((l) => round(l, 2))
      .join(' ')})`,
  );
  // The sandbox gateway runs in this process: metered as "gateway" (with this process's small bookkeeping).
  const cpu = new CpuMeter({
    node: node.pid,
    redis: redis.pid,
    gateway: process.pid,
    ...Object.fromEntries(procs.map((p, i) => [`load${i}`, p.pid])),
  });
  const pg0 = postmaster ? treeCpuSeconds(postmaster) : undefined;
  const stats0 = system === 'durable' ? await pgStats() : undefined;
  if (system === 'durable') await pgStatements('reset');
  const busy0 = machineBusySeconds();
  cpu.start();
  const runs = await Promise.all(procs.map((p) => p.call<Fired>('fire', { at: Date.now() + 500 }, 300_000)));
  const cores = cpu.stop();
  const busy1 = machineBusySeconds();
  const pg1 = postmaster ? treeCpuSeconds(postmaster) : undefined;
  const wall = cpu.wallSeconds;
  await Promise.all(procs.map((p) => p.stop()));
  // Closing the node ends its PostgreSQL sessions, which flushes their statistics (PostgreSQL 15 reports them lazily).
  await node.close();
  const stats1 = system === 'durable' ? await pgStats() : undefined;
  const statements = system === 'durable' ? await pgStatements('read') : undefined;

  const t0 = Math.min(...runs.map((r) => r.firstSent));
  const reserveSeconds = (Math.max(...runs.map((r) => r.lastAnswer)) - t0) / 1000;
  const settled = runs.flatMap((r) => r.settled);
  const paid = settled.filter((s) => s.status === 'paid');
  const e2eSeconds = (Math.max(...runs.map((r) => r.lastSettled)) - t0) / 1000;
  const reserved = runs.reduce((n, r) => n + r.reserved.length, 0);
  const answers = runs.flatMap((r) => r.latencies);
  const e2e = paid.map((s) => s.ms);
  const outcomes: Record<string, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;

  // Money checks: the gateway's ledger holds exactly one successful charge per paid order, and the sale's stock adds up.
  const charges = sandbox.ledger().filter((c) => c.status === 'succeeded');
  const perReference = new Map<string, number>();
  for (const c of charges) perReference.set(c.reference, (perReference.get(c.reference) ?? 0) + 1);
  const chargedTwice = [...perReference.values()].filter((n) => n > 1).length;
  const inspect = new Redis(redis.url);
  const counts = await saleCounts(inspect, node.prefix, sale.id);
  const stages = await jobStages(inspect, node.prefix);
  inspect.disconnect();
  // The durable node's ledger: its orders by status, in the schema of its key prefix.
  const ledger = system === 'durable' ? await ledgerCounts(schemaFor(node.prefix)) : undefined;
  // What PostgreSQL did for them, per paid order (the run's cluster serves nobody else; from the go to the node's close).
  const postgresPerPaid =
    stats0 && stats1
      ? Object.fromEntries(
          Object.keys(stats1).map((k) => [k, (stats1[k as keyof typeof stats1] - stats0[k as keyof typeof stats0]) / paid.length]),
        )
      : undefined;

  const cpuSecondsOf = (c: number | undefined) => (c ?? 0) * wall;
  const ms = (seconds: number) => (seconds * 1000) / paid.length;
  const buyersCores = procs.reduce((sum, _, i) => sum + cores[`load${i}`]!, 0);
  const postgresSeconds = pg0 !== undefined && pg1 !== undefined ? pg1 - pg0 : Number.NaN;
  const oursSeconds =
    cpuSecondsOf(cores.node) +
    cpuSecondsOf(cores.redis) +
    cpuSecondsOf(cores.gateway) +
    cpuSecondsOf(buyersCores) +
    (Number.isNaN(postgresSeconds) ? 0 : postgresSeconds);
  const result = {
    system,
    round: roundNo,
    buyers: BUYERS,
    outcomes,
    reserved,
    reservePerSec: reserved / reserveSeconds,
    reserveAnswerMs: { p50: percentile(answers, 50), p99: percentile(answers, 99) },
    paid: paid.length,
    settled: settled.length,
    unsettled: reserved - settled.length,
    seconds: e2eSeconds,
    paidPerSec: paid.length / e2eSeconds,
    endToEndMs: { p50: percentile(e2e, 50), p99: percentile(e2e, 99), max: percentile(e2e, 100) },
    gatewaySucceeded: charges.length,
    chargedTwice,
    sale: counts,
    ledger,
    postgresPerPaid,
    statements: statements?.map((st) => ({ ...st, callsPerPaid: st.calls / paid.length, execMsPerPaid: st.execMs / paid.length })),
    meteredSeconds: wall,
    /** Cores used over the metered window (1.0 = one core). */
    cores: {
      node: cores.node!,
      postgres: postgresSeconds / wall,
      redis: cores.redis!,
      gateway: cores.gateway!,
      buyers: buyersCores,
      machine: (busy1 - busy0) / wall,
    },
    cpuMsPerPaid: {
      node: ms(cpuSecondsOf(cores.node)),
      postgres: ms(postgresSeconds),
      redis: ms(cpuSecondsOf(cores.redis)),
      gateway: ms(cpuSecondsOf(cores.gateway)),
      buyers: ms(cpuSecondsOf(buyersCores)),
      allOurs: ms(oursSeconds),
      machine: ms(busy1 - busy0),
    },
    loadavg: os.loadavg().map((l) => round(l, 2)),
    stages,
  };
  progress(
    `${system}: ${paid.length} paid in ${round(e2eSeconds)} s = ${Math.round(result.paidPerSec)}/s, p50 ${Math.round(result.endToEndMs.p50)} ms; ` +
      `node ${round(result.cpuMsPerPaid.node, 2)} ms/paid, PostgreSQL ${round(result.cpuMsPerPaid.postgres, 2)} ms/paid; machine ${round(result.cores.machine, 2)} busy cores`,
  );
  await sandbox.close();
  await redis.stop();
  return result;
}

/**
 * Cumulative activity of the run's PostgreSQL: commits and rows written in its database (pg_stat_database), WAL
 * records, bytes, writes and fsyncs (pg_stat_wal).
 */
async function pgStats() {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, string>>(
      `SELECT d.xact_commit, d.tup_inserted, d.tup_updated, w.wal_records, w.wal_bytes, w.wal_write, w.wal_sync
         FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
    );
    const r = rows[0]!;
    return {
      commits: Number(r.xact_commit),
      rowsInserted: Number(r.tup_inserted),
      rowsUpdated: Number(r.tup_updated),
      walRecords: Number(r.wal_records),
      walBytes: Number(r.wal_bytes),
      walWrites: Number(r.wal_write),
      walSyncs: Number(r.wal_sync),
    };
  } finally {
    await client.end();
  }
}

/**
 * The run's PostgreSQL statements by execution time, from pg_stat_statements when the cluster loads it (a DATABASE_URL
 * whose server has `shared_preload_libraries = 'pg_stat_statements'` and the extension created): `reset` before the
 * phase, `read` after. Undefined when the extension is not there (the bench's own cluster does not load it).
 */
async function pgStatements(what: 'reset' | 'read') {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    if (what === 'reset') {
      await client.query('SELECT pg_stat_statements_reset()');
      return undefined;
    }
    const { rows } = await client.query<{ query: string; calls: string; exec: number; mean: number; rows: string }>(
      `SELECT query, calls, total_exec_time AS exec, mean_exec_time AS mean, rows
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 15`,
    );
    return rows.map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 90),
      calls: Number(r.calls),
      execMs: r.exec,
      meanMs: r.mean,
      rowsPerCall: Number(r.rows) / Math.max(1, Number(r.calls)),
    }));
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

/** Orders of a durable node's ledger by status (and how many payment attempts it recorded). */
async function ledgerCounts(schema: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const orders = await client.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM "${schema}".orders GROUP BY status`,
    );
    const attempts = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".payment_attempts`);
    return { ...Object.fromEntries(orders.rows.map((r) => [r.status, r.n])), paymentAttempts: attempts.rows[0]!.n };
  } finally {
    await client.end();
  }
}

/**
 * Splits each completed payment job's life by its BullMQ timestamps: reserved order queued -> picked up by the worker
 * (queue wait), picked up -> finished (the processor: ledger and Redis steps and the gateway call).
 */
async function jobStages(redis: Redis, prefix: string) {
  // BullMQ leaves a connection it was given open: disconnected below, or it would retry forever once the phase's Redis stops.
  const connection = redis.duplicate();
  const queue = new Queue(PAYMENT_QUEUE_NAME, { connection, prefix: bullPrefix(prefix) });
  try {
    const jobs = await queue.getJobs(['completed'], 0, -1);
    const of = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: percentile(xs, 100) });
    const firstQueued = Math.min(...jobs.map((j) => j.timestamp));
    return {
      'queued -> picked up by the worker': of(jobs.map((j) => j.processedOn! - j.timestamp)),
      'picked up -> job finished (processor)': of(jobs.map((j) => j.finishedOn! - j.processedOn!)),
      'first job queued -> this job finished': of(jobs.map((j) => j.finishedOn! - firstQueued)),
    };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
