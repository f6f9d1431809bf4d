/**
 * BENCH_STOCK_STEP=watch (server/stock/benchReserve.ts): attempts wait for one of a small pool of connections. Closing
 * the step (the node stopping) must settle every one of them: those waiting for a connection are refused UNAVAILABLE,
 * as a new attempt would be, instead of staying pending for ever.
 */
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { AppError } from '../../server/kernel/errors.ts';
import { OrderStore } from '../../server/orders/store.ts';
import { randomPrefix } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { fence, room, salePool } from './benchStepFixture.ts';

const t = useTeardown();

it('closing the watch step refuses the attempts still waiting for a connection; none is left pending', async () => {
  const redis = t.add(new Redis(inject('redisUrl')));
  const prefix = randomPrefix();
  // One connection: every attempt but the one holding it waits in the step's queue.
  const store = new OrderStore(redis, prefix, 60_000, { step: 'watch', watchConnections: 1, lockLeaseMs: 30_000 });
  await fence(redis, prefix);
  await room(redis, prefix, 'live1', 'live');
  const pool = await salePool(redis, prefix, { saleId: 's1', roomId: 'live1', units: 50, limit: 50 });

  const attempts = Array.from({ length: 20 }, (_, i) =>
    store.reserve({ buyerId: `b${i}`, roomId: 'live1', agencyId: null, pool, quantity: 1, idempotencyKey: `k${i}` }).then(
      () => 'RESERVED',
      (err: unknown) => (err instanceof AppError ? err.code : `unexpected: ${String(err)}`),
    ),
  );
  // The first attempt through means the others queued behind its connection; close then.
  await Promise.race(attempts);
  store.close();
  const outcomes = await Promise.all(attempts);

  expect(
    outcomes.every((o) => o === 'RESERVED' || o === 'UNAVAILABLE'),
    outcomes.join(', '),
  ).toBe(true);
  expect(outcomes.filter((o) => o === 'UNAVAILABLE').length).toBeGreaterThan(0);
});
