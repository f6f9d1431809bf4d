import { Counter, Histogram, type Registry } from 'prom-client';
import { AppError } from '../kernel/errors.ts';
import type { BenchRetryKind } from '../stock/benchReserve.ts';

/** What `order:place` records per attempt. */
export type OrderTimer = <T>(place: () => Promise<T>) => Promise<T>;

/**
 * `hawker_orders_place_seconds{outcome}`: time from an `order:place` reaching the node to its answer (the order
 * pipeline's synchronous part: checks, the stock reservation in Redis, the order record, the payment enqueue),
 * labelled `ok` or the refusal's error code (CONFLICT for sold out or limit reached, RATE_LIMITED...).
 */
export function orderPlaceTimer(registry: Registry): OrderTimer {
  const histogram = new Histogram({
    name: 'hawker_orders_place_seconds',
    help: 'order:place handling time, by outcome (ok or the error code)',
    labelNames: ['outcome'],
    // Milliseconds to seconds: a flash sale's answers land in the 1-250 ms range on a healthy node.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return async (place) => {
    const end = histogram.startTimer();
    try {
      const result = await place();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: err instanceof AppError ? err.code : 'INTERNAL' });
      throw err;
    }
  };
}

/**
 * `hawker_bench_stock_retries_total{kind}`, registered only with BENCH_STOCK_STEP set (a benchmark): WATCH conflicts
 * (`exec_conflict`), failed lock attempts (`lock_wait`) and locks whose lease ran out while held (`lease_lost`).
 * bench:flash-sale reads it to print each baseline's retries.
 */
export function benchRetryCounter(registry: Registry): (kind: BenchRetryKind) => void {
  const counter = new Counter({
    name: 'hawker_bench_stock_retries_total',
    help: 'Benchmark stock step (BENCH_STOCK_STEP) retries, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  return (kind) => counter.inc({ kind });
}
