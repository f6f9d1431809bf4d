import type { Redis } from 'ioredis';
import { orderKeys } from '../../server/orders/store.ts';
import { roomKeys } from '../../server/rooms/store.ts';
import type { BenchStepOptions, StockStep } from '../../server/stock/benchReserve.ts';
import { stockKeys, type PoolRef } from '../../server/stock/keys.ts';

/**
 * The stock-step tests' world (BENCH_STOCK_STEP, server/stock/benchReserve.ts): a fenced Redis (as after recovery),
 * rooms by status and flash-sale pools written as schedule.lua leaves them, so each step starts from the same keys.
 */

/** OrderStore's fourth argument for `step`: a small WATCH pool, and a lease no test run outlives. */
export function benchStep(step: StockStep): BenchStepOptions | undefined {
  // The lease is long on purpose: the tests check the lock's isolation, not what happens when a holder outlives it.
  return step === 'lua' ? undefined : { step, watchConnections: 4, lockLeaseMs: 30_000 };
}

/** Marks the hot state rebuilt (reserve refuses everything without the fence). */
export async function fence(redis: Redis, prefix: string): Promise<void> {
  await redis.set(orderKeys(prefix).fence, 'test');
}

/** A room hash with `status` (and its scheduled start). */
export async function room(redis: Redis, prefix: string, roomId: string, status: string, scheduledAt?: number): Promise<void> {
  await redis.hset(roomKeys(prefix).room(roomId), { status, ...(scheduledAt ? { scheduledAt } : {}) });
}

/** A flash sale's pool of `units` in `roomId` (window and state as given), and the order's reference to it. */
export async function salePool(
  redis: Redis,
  prefix: string,
  o: { saleId: string; roomId: string; units: number; limit: number; start?: number; end?: number; state?: string },
): Promise<PoolRef> {
  const ref: PoolRef = { kind: 'sale', saleId: o.saleId, productId: 'p1', skuId: 'std' };
  await redis.hset(stockKeys(prefix).sale(o.saleId), {
    kind: 'sale',
    saleId: o.saleId,
    roomId: o.roomId,
    productId: ref.productId,
    skuId: ref.skuId,
    title: 'Thing',
    price: 1999,
    currency: 'USD',
    state: o.state ?? 'live',
    start: o.start ?? Date.now() - 60_000,
    end: o.end ?? Date.now() + 3_600_000,
    limit: o.limit,
    quantity: o.units,
    left: o.units,
    reserved: 0,
    sold: 0,
    returned: 0,
  });
  return ref;
}
