/**
 * BENCH_STOCK_STEP (server/stock/benchReserve.ts): the benchmark's stock steps answer every case exactly as
 * reserve.lua does, with the same codes, refusals and writes, so bench:flash-sale's rows differ in concurrency control
 * only. Each step plays the same sequence on its own prefix of the run's Redis; its answers and the keys it left are
 * compared with reserve.lua's.
 */
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { AppError } from '../../server/kernel/errors.ts';
import { orderKeys, OrderStore } from '../../server/orders/store.ts';
import type { StockStep } from '../../server/stock/benchReserve.ts';
import { benchLockKey, poolKey, stockKeys, type PoolRef } from '../../server/stock/keys.ts';
import { randomPrefix } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { benchStep, fence, room, salePool } from './benchStepFixture.ts';

const t = useTeardown();
const WINDOW_MS = 60_000;

/** Plays the sequence with `step`; returns its answers and the state it left, order ids and clocks replaced by labels. */
async function play(step: StockStep) {
  const redis = t.add(new Redis(inject('redisUrl')));
  const prefix = randomPrefix();
  const store = t.add(new OrderStore(redis, prefix, WINDOW_MS, benchStep(step)));
  const ids = new Map<string, string>();
  const label = (id: string) => {
    if (!ids.has(id)) ids.set(id, `order${ids.size + 1}`);
    return ids.get(id)!;
  };
  const scheduledAt = Date.now() + 3_600_000;
  const startsAt = Date.now() + 3_600_000;
  await fence(redis, prefix);
  await room(redis, prefix, 'live1', 'live');
  await room(redis, prefix, 'soon1', 'scheduled', scheduledAt);
  const sale = await salePool(redis, prefix, { saleId: 's1', roomId: 'live1', units: 4, limit: 2 });
  const later = await salePool(redis, prefix, { saleId: 's2', roomId: 'live1', units: 4, limit: 2, start: startsAt });
  const ended = await salePool(redis, prefix, { saleId: 's3', roomId: 'live1', units: 4, limit: 2, state: 'ended' });
  const past = await salePool(redis, prefix, { saleId: 's4', roomId: 'live1', units: 4, limit: 2, end: Date.now() - 1 });
  const scheduledRoom = await salePool(redis, prefix, { saleId: 's5', roomId: 'soon1', units: 4, limit: 2 });
  const missing: PoolRef = { kind: 'sale', saleId: 'nope', productId: 'p1', skuId: 'std' };

  const answers: Record<string, unknown> = {};
  // Moderation's ban sets of the room and its agency (the script checks them when the caller leaves bans to it).
  const bans = { room: `${prefix}mod:bans:room:live1`, agency: `${prefix}mod:bans:agency:ag1` };
  await redis.sadd(bans.room, 'z');
  await redis.sadd(bans.agency, 'y');
  const place = async (
    name: string,
    buyerId: string,
    key: string,
    quantity: number,
    pool: PoolRef = sale,
    roomId = 'live1',
    checkBans = false,
  ) => {
    try {
      const { order, replayed } = await store.reserve({
        buyerId,
        roomId,
        agencyId: null,
        pool,
        quantity,
        idempotencyKey: key,
        bans: checkBans ? bans : null,
      });
      const { id, createdAt, updatedAt, deadline, ...rest } = order as unknown as Record<string, unknown>;
      const window = Number(deadline) - Number(createdAt);
      answers[name] = { replayed, id: label(String(id)), ...rest, window, updated: updatedAt === createdAt };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const details = { ...(err.options.details as Record<string, unknown> | undefined) };
      if (typeof details.orderId === 'string') details.orderId = label(details.orderId);
      if (name === 'not started' || name === 'room not live')
        details.startsAt = details.startsAt === startsAt || details.startsAt === scheduledAt;
      answers[name] = { code: err.code, details };
    }
  };
  await place('reserved', 'a', 'k1', 1);
  await place('replay', 'a', 'k1', 1);
  await place('key reused', 'a', 'k1', 2);
  await place('limit', 'a', 'k2', 2);
  await place('reserved 2', 'b', 'k1', 2);
  await place('insufficient', 'c', 'k1', 2);
  await place('last unit', 'd', 'k1', 1);
  await place('sold out', 'e', 'k1', 1);
  await place('not started', 'a', 'k3', 1, later);
  await place('ended', 'a', 'k4', 1, ended);
  await place('window over', 'a', 'k5', 1, past);
  await place('room not live', 'a', 'k6', 1, scheduledRoom, 'soon1');
  await place('no pool', 'a', 'k7', 1, missing);
  await place('banned', 'z', 'k1', 1, sale, 'live1', true);
  await place('banned by the agency', 'y', 'k1', 1, sale, 'live1', true);
  await place('not banned, replay', 'a', 'k1', 1, sale, 'live1', true);
  // The ban comes first: a banned buyer replaying the key of an order it holds is refused too.
  await redis.sadd(bans.room, 'a');
  await place('banned, replaying its key', 'a', 'k1', 1, sale, 'live1', true);
  await redis.del(orderKeys(prefix).fence);
  await place('recovering', 'f', 'k1', 1);

  // What the step left in Redis: the pool's counters, per-buyer units, the orders and their indexes.
  const ok = orderKeys(prefix);
  const sk = stockKeys(prefix);
  const orders: Record<string, unknown> = {};
  for (const [id, name] of ids) {
    const { id: _id, createdAt, updatedAt, deadline, ...rest } = await redis.hgetall(ok.order(id));
    orders[name] = { ...rest, window: Number(deadline) - Number(createdAt), updated: updatedAt === createdAt };
  }
  const zset = async (key: string) => (await redis.zrange(key, 0, -1)).map(label).sort();
  const state = {
    // Without the window (each run writes its own clock's).
    pools: await Promise.all(
      ['s1', 's2', 's3', 's4', 's5'].map(async (s) => {
        const { start: _start, end: _end, ...rest } = await redis.hgetall(sk.sale(s));
        return rest;
      }),
    ),
    units: await redis.hgetall(sk.units('sale:s1')),
    orders,
    deadlines: await zset(ok.deadlines),
    unconfirmed: await zset(ok.unconfirmed),
    byBuyer: await Promise.all(['a', 'b', 'c', 'd', 'e'].map((b) => zset(ok.byBuyer(b)))),
    byRoom: await zset(ok.byRoom('live1')),
    dirty: (await redis.smembers(sk.dirty)).map((k) => k.slice(prefix.length)).sort(),
    idempotency: (await redis.get(ok.idem('a', 'k1')))?.replace(/^[^|]+/, (id) => label(id)),
    lockLeft: await redis.exists(benchLockKey(poolKey(sk, sale))),
  };
  return { answers, state };
}

it('the watch, lock and naive stock steps answer and write exactly as reserve.lua does, case by case', async () => {
  const lua = await play('lua');
  // The sequence covers every answer (a self-check: a case that answered something else would compare nothing).
  expect(lua.answers).toMatchObject({
    reserved: { replayed: false, id: 'order1', status: 'reserved', quantity: 1, amount: 1999 },
    replay: { replayed: true, id: 'order1' },
    'key reused': { code: 'CONFLICT', details: { reason: 'IDEMPOTENCY_KEY_REUSED', orderId: 'order1' } },
    limit: { code: 'CONFLICT', details: { reason: 'LIMIT_REACHED', allowed: 1 } },
    'reserved 2': { replayed: false, id: 'order2', quantity: 2 },
    insufficient: { code: 'CONFLICT', details: { reason: 'INSUFFICIENT_STOCK', left: 1 } },
    'last unit': { replayed: false, id: 'order3' },
    'sold out': { code: 'CONFLICT', details: { reason: 'SOLD_OUT', left: 0 } },
    'not started': { code: 'CONFLICT', details: { reason: 'NOT_STARTED', startsAt: true } },
    ended: { code: 'CONFLICT', details: { reason: 'ENDED' } },
    'window over': { code: 'CONFLICT', details: { reason: 'ENDED' } },
    'room not live': { code: 'CONFLICT', details: { reason: 'NOT_STARTED', startsAt: true } },
    'no pool': { code: 'NOT_FOUND' },
    banned: { code: 'FORBIDDEN' },
    'banned by the agency': { code: 'FORBIDDEN' },
    'not banned, replay': { replayed: true, id: 'order1' },
    'banned, replaying its key': { code: 'FORBIDDEN' },
    recovering: { code: 'UNAVAILABLE' },
  });
  expect(lua.state.pools[0]).toMatchObject({ left: '0', reserved: '4' });
  for (const step of ['watch', 'lock', 'naive'] as const) {
    const other = await play(step);
    expect(other.answers, `${step}: answers`).toEqual(lua.answers);
    expect(other.state, `${step}: what it left in Redis`).toEqual(lua.state);
  }
});
