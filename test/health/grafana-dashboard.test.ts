import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const DASHBOARD = path.resolve(import.meta.dirname, '../../docs/grafana/hawker-dashboard.json');

/** Every `hawker_*` and process (`nodejs_*`, `process_*`) series a PromQL expression reads. */
function seriesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(?:hawker|nodejs|process)_[a-z0-9_]+/g)].map((m) => m[0]);
}

it('every metric the Grafana dashboard queries is one a node exports on /metrics, and the dashboard covers what operators need', async () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((q) => seriesIn(q.expr))));

  const node = t.add(await startNode());
  const text = await (await fetch(`${node.url}/metrics`)).text();
  // `# TYPE name kind`: a metric is exported even before it has a sample (a labelled gauge with no rooms yet).
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const exported = (series: string) => {
    if (types.has(series)) return true;
    // A histogram is queried through its _bucket / _sum / _count series.
    const base = series.replace(/_(bucket|sum|count)$/, '');
    return base !== series && types.get(base) === 'histogram';
  };
  expect([...queried].filter((s) => !exported(s))).toEqual([]);

  // The list: rooms, viewers, consumers per worker, order pipeline latency, queue depth, PostgreSQL pool, Redis memory.
  for (const needed of [
    'hawker_rooms_active',
    'hawker_rooms_connections',
    'hawker_media_worker_consumers',
    'hawker_orders_place_seconds_bucket',
    'hawker_payments_queue_jobs',
    'hawker_pg_pool_connections',
    'hawker_redis_memory_used_bytes',
    // Event-loop delay and GC pauses: what tells a slow node from a busy machine (issue 14's soak).
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_gc_duration_seconds_sum',
  ]) {
    expect(queried).toContain(needed);
  }
});
