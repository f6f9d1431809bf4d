/**
 * Fault drills at full size, one command each (the same scenarios as test/slow/, bigger; scripted in harness/drills.ts):
 *
 *   npm run drill:node-kill | drill:redis-restart | drill:host-crash | drill:gateway-storm   [-- --buyers 600 --quantity 400]
 *   npm run drill:malformed   [-- --events 70000 --rest 30000 --seed N]   (100,000 packets and bodies by default)
 *
 * Prints the figures and every violation; exits 1 if any promise (no order lost, none charged twice, stock
 * conserved, clients consistent) was broken.
 */
import { parseArgs } from 'node:util';
import { randomPrefix } from '../harness/node.ts';
import { fuzzDrill, gatewayStormDrill, hostCrashDrill, nodeKillDrill, redisRestartDrill, type DrillReport } from '../harness/drills.ts';
import { runMain } from './lib/procs.ts';
import { progress, writeResult } from './lib/report.ts';
import { benchPostgres, benchRedis } from './lib/setup.ts';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    buyers: { type: 'string', default: '600' },
    quantity: { type: 'string', default: '400' },
    events: { type: 'string', default: '70000' },
    rest: { type: 'string', default: '30000' },
    seed: { type: 'string' },
  },
});
const name = positionals[0] ?? '';
const buyers = Number(opt.buyers);
const quantity = Number(opt.quantity);

const drills: Record<string, () => Promise<DrillReport>> = {
  'node-kill': async () =>
    nodeKillDrill({ redisUrl: (await benchRedis('drill')).url, prefix: randomPrefix(), buyers, quantity, log: progress }),
  'redis-restart': () => redisRestartDrill({ buyers, quantity, downMs: 3_000, log: progress }),
  'host-crash': () => hostCrashDrill({ buyers, quantity, log: progress }),
  'gateway-storm': async () =>
    gatewayStormDrill({
      redisUrl: (await benchRedis('drill')).url,
      prefix: randomPrefix(),
      buyers,
      quantity,
      stormMs: 10_000,
      log: progress,
    }),
  malformed: async () =>
    fuzzDrill({
      redisUrl: (await benchRedis('drill')).url,
      prefix: randomPrefix(),
      events: Number(opt.events),
      restBodies: Number(opt.rest),
      connections: 100,
      buyers,
      quantity,
      seed: Number(opt.seed ?? Date.now() % 1e9),
      log: progress,
    }),
};

runMain(
  `drill:${name}`,
  async () => {
    const drill = drills[name];
    await benchPostgres();
    if (!drill) throw new Error(`unknown drill "${name}"; one of ${Object.keys(drills).join(', ')}`);
    const t0 = Date.now();
    const report = await drill();
    console.log(`\ndrill ${name}: ${buyers} buyers, ${quantity} units, ${Math.round((Date.now() - t0) / 1000)} s`);
    for (const [k, v] of Object.entries(report.figures)) console.log(`  ${k}: ${JSON.stringify(v)}`);
    console.log(
      report.violations.length === 0
        ? '  all held: no order lost, none charged twice, stock conserved, clients consistent'
        : `  VIOLATIONS:\n    ${report.violations.join('\n    ')}`,
    );
    console.log(`wrote ${writeResult(`drill-${name}`, { buyers, quantity, ...report })}`);
    if (report.violations.length > 0) throw new Error(`${report.violations.length} violations`);
  },
  600,
);
