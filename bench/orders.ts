/**
 * P3 orders end to end: B buyers on real sockets each order one unit of a flash sale at once; every order goes
 * reserve -> BullMQ -> payment worker -> sandbox gateway (HTTP) -> "paid" pushed to the buyer's socket. Reports
 * paid orders/s and the end-to-end time (order:place sent -> paid push received), next to the reservation stage
 * alone in the same run (its answers), so the cost of the payment pipeline shows as a ratio.
 *
 *   npm run bench:orders -- [--buyers 3000] [--gateway-latency-ms 20] [--concurrency 64] [--procs 3]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullPrefix, PAYMENT_QUEUE_NAME } from '../server/payments/queue.ts';
import { gatewayEnv, liveRoomWithProduct, saleCounts, scheduleSale, startSandbox } from '../harness/commerce.ts';
import { spawnNode } from '../harness/nodeProcess.ts';
import { CpuMeter } from './lib/cpu.ts';
import { LoadProcess, onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchRedis } from './lib/setup.ts';

const { values: opt } = parseArgs({
  options: {
    buyers: { type: 'string', default: '3000' },
    'gateway-latency-ms': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
    procs: { type: 'string', default: '3' },
  },
});
const BUYERS = Number(opt.buyers);
const LATENCY = Number(opt['gateway-latency-ms']);
const CONCURRENCY = Number(opt.concurrency);
const PROCS = Number(opt.procs);
const SECRET = 'bench-secret-0123456789abcdef';

type Fired = {
  firstSent: number;
  lastAnswer: number;
  latencies: number[];
  outcomes: Record<string, number>;
  reserved: string[];
  settled: { orderId: string; status: string; ms: number }[];
  lastSettled: number;
};

runMain('bench:orders', async () => {
  const redis = await benchRedis('orders');
  const sandbox = await startSandbox({ latencyMs: LATENCY });
  onCleanup(() => sandbox.close());
  // Production timeouts and back-off, not the tests' short ones: on a busy box a 2 s timeout with 50 ms back-off turns
  // slow answers into a retry storm that measures the storm, not the pipeline.
  const env = { ...gatewayEnv(sandbox), PAYMENT_REQUEST_TIMEOUT_MS: '5000', PAYMENT_BACKOFF_MS: '1000' };
  const node = await spawnNode({ ...env, JWT_SECRET: SECRET, LOG_LEVEL: 'warn', MEDIASOUP_WORKERS: '1', PAYMENT_WORKER_CONCURRENCY: String(CONCURRENCY) }, redis.url);
  onCleanup(() => node.kill());
  sandbox.update({ webhookUrl: `${node.url}/api/payments/webhook` });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: BUYERS });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: BUYERS, perBuyerLimit: 1, durationMs: 30 * 60_000 });

  progress(`connecting ${BUYERS} buyers over ${PROCS} processes; gateway latency ${LATENCY} ms, worker concurrency ${CONCURRENCY}`);
  const per = Math.ceil(BUYERS / PROCS);
  let connected = 0;
  const procs = Array.from({ length: PROCS }, (_, p) =>
    LoadProcess.start(`buyers${p}`, 'bench/flash-sale/buyers.ts', {
      url: node.url,
      roomId: room.id,
      saleId: sale.id,
      secret: SECRET,
      idPrefix: `b${p}_`,
      count: Math.min(per, BUYERS - p * per),
      attempts: 1,
      waitSettled: true,
      settleMs: 120_000,
    }, () => progress(`  ${(connected += 500)} buyers in the room`)),
  );
  await Promise.all(procs.map((p) => p.call('connect', {}, 600_000)));
  progress(`go: ${BUYERS} orders`);
  // The sandbox gateway runs in this process: metered as "gateway" (with this process's small bookkeeping).
  const cpu = new CpuMeter({ server: node.pid, redis: redis.pid, gateway: process.pid, ...Object.fromEntries(procs.map((p, i) => [`load${i}`, p.pid])) });
  cpu.start();
  const runs = await Promise.all(procs.map((p) => p.call<Fired>('fire', { at: Date.now() + 500 }, 300_000)));
  const cores = cpu.stop();
  await Promise.all(procs.map((p) => p.stop()));

  const t0 = Math.min(...runs.map((r) => r.firstSent));
  const reserveSeconds = (Math.max(...runs.map((r) => r.lastAnswer)) - t0) / 1000;
  const settled = runs.flatMap((r) => r.settled);
  const paid = settled.filter((s) => s.status === 'paid');
  const e2eSeconds = (Math.max(...runs.map((r) => r.lastSettled)) - t0) / 1000;
  const reserved = runs.reduce((n, r) => n + r.reserved.length, 0);
  const answers = runs.flatMap((r) => r.latencies);
  const e2e = paid.map((s) => s.ms);

  // Money checks: the gateway's ledger holds exactly one successful charge per paid order, and the sale's stock adds up.
  const ledger = sandbox.ledger().filter((c) => c.status === 'succeeded');
  const charges = new Map<string, number>();
  for (const c of ledger) charges.set(c.reference, (charges.get(c.reference) ?? 0) + 1);
  const chargedTwice = [...charges.values()].filter((n) => n > 1).length;
  const inspect = new Redis(redis.url);
  const counts = await saleCounts(inspect, node.prefix, sale.id);
  const stages = await jobStages(inspect, node.prefix);
  inspect.disconnect();

  const result = {
    buyers: BUYERS,
    reserved,
    reservePerSec: reserved / reserveSeconds,
    reserveAnswerMs: { p50: percentile(answers, 50), p99: percentile(answers, 99) },
    paid: paid.length,
    settled: settled.length,
    unsettled: reserved - settled.length,
    paidPerSec: paid.length / e2eSeconds,
    endToEndMs: { p50: percentile(e2e, 50), p99: percentile(e2e, 99), max: percentile(e2e, 100) },
    ledgerSucceeded: ledger.length,
    chargedTwice,
    sale: counts,
    serverCpuCores: cores.server!,
    redisCpuCores: cores.redis!,
    gatewayCpuCores: cores.gateway!,
    loadCpuCores: procs.reduce((sum, _, i) => sum + cores[`load${i}`]!, 0),
    serverCpuMsPerOrder: (cores.server! * cpu.wallSeconds * 1000) / reserved,
    stages,
  };
  printTable(`P3 orders end to end: ${BUYERS} buyers, one order each; sandbox gateway ${LATENCY} ms, worker concurrency ${CONCURRENCY}`, [
    ['stage', 'orders', 'orders/s', 'p50 ms', 'p99 ms'],
    ['reserve (answer to order:place)', reserved, Math.round(result.reservePerSec), round(result.reserveAnswerMs.p50), round(result.reserveAnswerMs.p99)],
    ['reserve -> queue -> gateway -> paid push', paid.length, Math.round(result.paidPerSec), round(result.endToEndMs.p50), round(result.endToEndMs.p99)],
  ]);
  printTable('Where a paid order spends its time (BullMQ job timestamps, all processes on this host clock)', [
    ['stage', 'p50 ms', 'p99 ms', 'max ms'],
    ...Object.entries(stages).map(([name, d]) => [name, round(d.p50), round(d.p99), round(d.max)]),
  ]);
  console.log(`\nsettled ${settled.length} of ${reserved} (${result.unsettled} unsettled); ledger: ${ledger.length} successful charges, ${chargedTwice} orders charged twice; sale ${JSON.stringify(counts)}`);
  console.log(
    `CPU over the run: server ${round(result.serverCpuCores * 100)}% (${round(result.serverCpuMsPerOrder, 2)} ms per order), redis ${round(result.redisCpuCores * 100)}%, ` +
      `sandbox gateway ${round(result.gatewayCpuCores * 100)}%, buyers ${round(result.loadCpuCores * 100)}%; paid stage / reserve stage: ${round(result.paidPerSec / result.reservePerSec, 2)}x`,
  );
  console.log(`goal >= 1,000 orders/s: ${result.paidPerSec >= 1000 ? 'met' : 'NOT met'} (${Math.round(result.paidPerSec)}/s)`);
  console.log(`machine load average: ${os.loadavg().map((l) => round(l, 2)).join(' ')} on ${os.availableParallelism()} cores`);
  console.log(`\nwrote ${writeResult('orders', { options: { BUYERS, LATENCY, CONCURRENCY, PROCS }, result })}`);
  await node.close();
  if (chargedTwice > 0 || paid.length !== ledger.length) throw new Error('money check failed: see the ledger line above');
}, 900);

/**
 * Splits each completed payment job's life by its BullMQ timestamps: reserved order queued -> picked up by the worker
 * (queue wait), picked up -> finished (the processor: Redis steps and the gateway call).
 */
async function jobStages(redis: Redis, prefix: string) {
  const queue = new Queue(PAYMENT_QUEUE_NAME, { connection: redis.duplicate(), prefix: bullPrefix(prefix) });
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
  }
}
