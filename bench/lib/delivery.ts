/**
 * The delivery half of the chat benchmarks (bench:chat, bench:scale): wait until the viewers got what they are owed,
 * then collect what they got. Viewer load processes answer `report` with their delivery count, the time of their last
 * delivery and, when asked, every delivery's latency.
 */
import type { LoadProcess } from './procs.ts';
import { percentile, progress } from './report.ts';

type Report = { deliveries: number; lastAt: number; latencies: number[] };

/** Polls the viewers once a second until they hold `expected` deliveries or `drainS` seconds have passed. */
export async function drainDeliveries(viewers: readonly LoadProcess[], expected: number, drainS: number): Promise<void> {
  const until = Date.now() + drainS * 1000;
  for (;;) {
    const reports = await Promise.all(viewers.map((v) => v.call<{ deliveries: number }>('report', {})));
    const got = reports.reduce((n, r) => n + r.deliveries, 0);
    if (got >= expected || Date.now() > until) return;
    progress(`  draining: ${got.toLocaleString()} of ${expected.toLocaleString()} deliveries`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** What the viewers got since `t0`: deliveries, their rate (up to the last one, or the senders' end), completeness, latencies. */
export async function deliveryFigures(viewers: readonly LoadProcess[], expected: number, t0: number, sendersEndedAt: number) {
  const finals = await Promise.all(viewers.map((v) => v.call<Report>('report', { withLatencies: true })));
  const deliveries = finals.reduce((n, r) => n + r.deliveries, 0);
  const lastAt = Math.max(...finals.map((r) => r.lastAt), sendersEndedAt);
  const latencies = finals.flatMap((r) => r.latencies);
  return {
    expectedDeliveries: expected,
    deliveries,
    deliveredPerSec: deliveries / ((lastAt - t0) / 1000),
    completeness: expected > 0 ? deliveries / expected : 0,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
      samples: latencies.length,
    },
  };
}
