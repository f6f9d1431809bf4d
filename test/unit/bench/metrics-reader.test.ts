import { describe, expect, it } from 'vitest';
import { parseMetrics } from '../../../bench/lib/metrics.ts';

describe('bench/lib/metrics parseMetrics', () => {
  const text = [
    '# HELP hawker_ticks_writes_total Socket writes',
    '# TYPE hawker_ticks_writes_total counter',
    'hawker_ticks_writes_total{event="stock:update"} 20000',
    'hawker_ticks_writes_total{event="room:stats"} 5',
    'hawker_bench_stock_retries_total{kind="conflict"} 7796',
    'process_cpu_seconds_total 12.5',
    'hawker_label_escape{path="a\\"b",x="1"} 3',
  ].join('\n');

  it('reads names, labels and values, skipping comments', () => {
    expect(parseMetrics(text, 'hawker_ticks_')).toEqual([
      { name: 'hawker_ticks_writes_total', labels: { event: 'stock:update' }, value: 20000 },
      { name: 'hawker_ticks_writes_total', labels: { event: 'room:stats' }, value: 5 },
    ]);
    expect(parseMetrics(text, 'process_')).toEqual([{ name: 'process_cpu_seconds_total', labels: {}, value: 12.5 }]);
    expect(parseMetrics(text, 'hawker_label')[0]!.labels).toEqual({ path: 'a\\"b', x: '1' });
  });
});
