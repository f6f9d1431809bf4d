/**
 * BENCH_STOCK_STEP (server/stock/benchReserve.ts) under contention: 200 concurrent attempts (100 buyers x 2 keys,
 * limit 1 each) for 20 units. reserve.lua and the two correct baselines, WATCH/MULTI and the per-pool lock, sell
 * exactly the 20 units, no buyer past its limit, and refuse the rest as reserve.lua does (sold out or limit). The
 * naive step is not raced here: whether it oversells depends on timing (bench:flash-sale shows it).
 *
 * A private redis-server per step, so its command statistics show which step ran (WATCH transactions, lock releases, or
 * reserve.lua), not another test file's traffic.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { AppError } from '../../server/kernel/errors.ts';
import { startLocalRedis } from '../../server/kernel/localRedis.ts';
import { orderKeys, OrderStore } from '../../server/orders/store.ts';
import type { StockStep } from '../../server/stock/benchReserve.ts';
import { stockKeys } from '../../server/stock/keys.ts';
import { randomPrefix } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { benchStep, fence, room, salePool } from './benchStepFixture.ts';

const t = useTeardown();
const BUYERS = 100;
const KEYS_PER_BUYER = 2;
const UNITS = 20;

/** Calls per command since the last CONFIG RESETSTAT (INFO commandstats). */
async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  return Object.fromEntries([...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

it.each(['lua', 'watch', 'lock'] as const)(
  'stock step %s: 200 concurrent attempts for 20 units sell exactly 20, none past a buyer limit',
  async (step: StockStep) => {
    const server = t.add(await startLocalRedis({ dir: await t.tempDir('hawker-stock-race-') }), (r) => r.stop());
    const redis = t.add(new Redis(server.url));
    const prefix = randomPrefix();
    const store = t.add(new OrderStore(redis, prefix, 60_000, benchStep(step)));
    await fence(redis, prefix);
    await room(redis, prefix, 'live1', 'live');
    const pool = await salePool(redis, prefix, { saleId: 's1', roomId: 'live1', units: UNITS, limit: 1 });
    await redis.config('RESETSTAT');

    const outcomes = await Promise.all(
      Array.from({ length: BUYERS * KEYS_PER_BUYER }, (_, i) =>
        store.reserve({ buyerId: `b${i % BUYERS}`, roomId: 'live1', agencyId: null, pool, quantity: 1, idempotencyKey: `k${i}` }).then(
          ({ replayed }) => (replayed ? 'REPLAYED' : 'RESERVED'),
          (err: unknown) => {
            if (err instanceof AppError) return String((err.options.details as { reason?: string } | undefined)?.reason ?? err.code);
            throw err;
          },
        ),
      ),
    );
    const calls = await commandCalls(redis);

    const count = (o: string) => outcomes.filter((x) => x === o).length;
    expect(count('RESERVED')).toBe(UNITS);
    expect(count('RESERVED') + count('SOLD_OUT') + count('LIMIT_REACHED'), JSON.stringify(outcomes)).toBe(outcomes.length);
    const sk = stockKeys(prefix);
    expect(await redis.hmget(sk.sale('s1'), 'left', 'reserved')).toEqual(['0', String(UNITS)]);
    const units = Object.values(await redis.hgetall(sk.units('sale:s1'))).map(Number);
    expect(units).toHaveLength(UNITS);
    expect(units.every((n) => n === 1)).toBe(true);
    expect(await redis.zcard(orderKeys(prefix).unconfirmed)).toBe(UNITS);

    // The step that ran: reserve.lua is one script call per attempt and no transaction; WATCH/MULTI watches on every
    // try and commits each reservation in a MULTI; the lock takes, and releases by script, once per attempt.
    const scripts = (calls.evalsha ?? 0) + (calls.eval ?? 0);
    const attempts = outcomes.length;
    if (step === 'lua')
      expect({ scripts, watch: calls.watch, multi: calls.multi }).toEqual({ scripts: attempts, watch: undefined, multi: undefined });
    if (step === 'watch') {
      expect(calls.watch).toBeGreaterThanOrEqual(attempts);
      expect(calls.multi).toBeGreaterThanOrEqual(UNITS);
      expect(scripts).toBe(0);
    }
    if (step === 'lock')
      expect({ scripts, multi: calls.multi, watch: calls.watch }).toEqual({ scripts: attempts, multi: UNITS, watch: undefined });
  },
);
