import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { AppError } from '../../server/kernel/errors.ts';
import { orderKeys, OrderStore, type OrderRecord } from '../../server/orders/store.ts';
import { saleKeys } from '../../server/flash-sale/store.ts';
import { roomKeys } from '../../server/rooms/store.ts';
import { stockKeys, type PoolRef } from '../../server/stock/keys.ts';
import { newSkuPool, POOL_COUNT_FIELDS, poolCounts, poolViolations } from '../../server/stock/pool.ts';
import { StockScripts } from '../../server/stock/scripts.ts';
import { rng } from '../../harness/fuzz.ts';
import { randomPrefix } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();
const SEEDS = [1, 2, 3, 4, 5, 6];
const STEPS = 400;

/**
 * The stock invariant (server/stock/pool.ts, poolViolations), checked after EVERY operation of random sequences of
 * every stock script: restock and withdraw, schedule and end flash sales, reserve (list price and sale), every order
 * transition (begin, paid, fail, expire, cancel) and rebuild from the orders' own counts. Also: per-buyer usage never
 * exceeds the limit, and the pools' reserved / sold equal what the orders hold. Replay a failure with its seed.
 */
it.each(SEEDS)(
  'the stock invariant holds after every operation of a random sequence (seed %i)',
  async (seed) => {
    const r = rng(seed);
    const redis = t.add(new Redis(inject('redisUrl')));
    const prefix = randomPrefix();
    const stock = new StockScripts(redis, prefix);
    const store = new OrderStore(redis, prefix, 60_000);
    const sk = stockKeys(prefix);
    const ok = orderKeys(prefix);
    const sales = saleKeys(prefix);
    const roomId = 'room1';
    const productId = 'p1';
    const skuId = 'std';
    const LIMIT = 3;
    await redis.hset(roomKeys(prefix).room(roomId), { status: 'live' });
    await redis.set(ok.fence, 'test');
    await redis.hset(
      sk.sku(productId, skuId),
      newSkuPool({ roomId, productId, skuId, title: 'Thing', price: 100, currency: 'USD', limit: LIMIT, stock: 20 }),
    );
    const saleIds: string[] = [];
    const orders: OrderRecord[] = [];
    let keyN = 0;
    const tally = { scheduled: 0, sku: 0, sale: 0, skuPaid: 0, salePaid: 0 };

    const check = async (op: string) => {
      const sku = poolCounts(await redis.hmget(sk.sku(productId, skuId), ...POOL_COUNT_FIELDS));
      const saleCounts = await Promise.all(saleIds.map(async (id) => poolCounts(await redis.hmget(sk.sale(id), ...POOL_COUNT_FIELDS))));
      const violations = poolViolations(sku, saleCounts);
      // What the orders hold, per pool, equals what the pools say.
      const fresh = await Promise.all(orders.map((o) => store.record(o.id)));
      const held = (pool: string, statuses: string[]) =>
        fresh
          .filter((o) => o && statuses.includes(o.status) && (o.poolKind === 'sale' ? o.saleId === pool : pool === 'sku'))
          .reduce((n, o) => n + o!.quantity, 0);
      if (sku.reserved !== held('sku', ['reserved', 'pending_payment']))
        violations.push(`sku reserved ${sku.reserved} != open list-price orders`);
      const saleSold = saleIds.reduce((n, id) => n + held(id, ['paid']), 0);
      if (sku.sold !== held('sku', ['paid']) + saleSold) violations.push(`sku sold ${sku.sold} != paid units`);
      saleIds.forEach((id, i) => {
        if (saleCounts[i]!.reserved !== held(id, ['reserved', 'pending_payment']))
          violations.push(`sale ${id} reserved != its open orders`);
        if (saleCounts[i]!.sold !== held(id, ['paid'])) violations.push(`sale ${id} sold != its paid orders`);
      });
      for (const pool of ['sku', ...saleIds]) {
        const ref = pool === 'sku' ? `sku:${productId}:${skuId}` : `sale:${pool}`;
        for (const [buyer, units] of Object.entries(await redis.hgetall(sk.units(ref)))) {
          if (Number(units) > LIMIT) violations.push(`buyer ${buyer} holds ${units} units of ${ref} (limit ${LIMIT})`);
        }
      }
      expect(violations, `seed ${seed}, after ${op}`).toEqual([]);
    };

    await check('create');
    for (let step = 0; step < STEPS; step++) {
      const kind = r.pick([
        'restock',
        'withdraw',
        'schedule',
        'end',
        'reserve',
        'reserve',
        'reserve',
        'move',
        'move',
        'move',
        'rebuild',
      ] as const);
      let op: string = kind;
      try {
        switch (kind) {
          case 'restock':
          case 'withdraw': {
            const delta = (kind === 'restock' ? 1 : -1) * (1 + r.int(5));
            await stock.adjust(productId, skuId, delta, 1_000_000, 'SKU');
            op = `${kind} ${delta}`;
            break;
          }
          case 'schedule': {
            const saleId = `s${step}`;
            const q = 1 + r.int(6);
            await stock.schedule(
              {
                sku: sk.sku(productId, skuId),
                sale: sk.sale(saleId),
                roomActive: sales.roomActive(roomId),
                roomHistory: sales.roomHistory(roomId),
                starts: sales.starts,
                ends: sales.ends,
              },
              // Open from now for an hour: a room runs one sale at a time, so this is refused (OVERLAPS) until `end`.
              {
                saleId,
                quantity: q,
                startsAt: 0,
                durationMs: 3_600_000,
                maxActive: 1000,
                fields: [
                  'roomId',
                  roomId,
                  'productId',
                  productId,
                  'skuId',
                  skuId,
                  'price',
                  50,
                  'currency',
                  'USD',
                  'title',
                  'Deal',
                  'limit',
                  LIMIT,
                ],
              },
            );
            saleIds.push(saleId);
            tally.scheduled++;
            op = `schedule ${saleId} x${q}`;
            break;
          }
          case 'end': {
            if (!saleIds.length) continue;
            const saleId = r.pick(saleIds);
            await stock.end(
              {
                sale: sk.sale(saleId),
                sku: sk.sku(productId, skuId),
                roomActive: sales.roomActive(roomId),
                starts: sales.starts,
                ends: sales.ends,
              },
              { saleId, mode: 'force', reason: 'test' },
            );
            op = `end ${saleId}`;
            break;
          }
          case 'reserve': {
            const live = saleIds.length && r.next() < 0.5 ? r.pick(saleIds) : null;
            const pool: PoolRef = live ? { kind: 'sale', saleId: live, productId, skuId } : { kind: 'sku', productId, skuId };
            const q = 1 + r.int(3);
            const { order } = await store.reserve({
              buyerId: `b${r.int(4)}`,
              roomId,
              agencyId: null,
              pool,
              quantity: q,
              idempotencyKey: `key-${keyN++}`,
            });
            orders.push(order);
            tally[pool.kind]++;
            op = `reserve ${q} from ${live ?? 'sku'}`;
            break;
          }
          case 'move': {
            if (!orders.length) continue;
            const o = r.pick(orders);
            const action = r.pick(['begin', 'paid', 'fail', 'expire', 'cancel'] as const);
            const res = await store.transition(o, action, { chargeId: action === 'paid' ? `ch_${step}` : undefined });
            if (res.changed && action === 'paid') tally[o.poolKind === 'sale' ? 'salePaid' : 'skuPaid']++;
            op = `${action} ${o.id}`;
            break;
          }
          case 'rebuild': {
            // Rebuild from the orders' own counts (as recovery does from the ledger's): nothing may change.
            const fresh = (await Promise.all(orders.map((o) => store.record(o.id)))).filter((o): o is OrderRecord => o !== null);
            const sum = (f: (o: OrderRecord) => boolean) => fresh.filter(f).reduce((n, o) => n + o.quantity, 0);
            const open = (o: OrderRecord) => o.status === 'reserved' || o.status === 'pending_payment';
            const anomalies = await stock.rebuild(
              {
                productId,
                skuId,
                open: sum((o) => o.poolKind === 'sku' && open(o)),
                paid: sum((o) => o.poolKind === 'sku' && o.status === 'paid'),
              },
              saleIds.map((id) => ({
                saleId: id,
                open: sum((o) => o.saleId === id && open(o)),
                paid: sum((o) => o.saleId === id && o.status === 'paid'),
              })),
            );
            expect(anomalies).toEqual([]);
            break;
          }
        }
      } catch (err) {
        // Refusals (sold out, limits, too few left...) are answers that must change nothing: the check below proves it.
        if (!(err instanceof AppError)) throw err;
        op = `${op} (refused: ${err.message})`;
      }
      await check(`step ${step}: ${op}`);
    }
    // The sequence really exercised every path (a run that only collected refusals would prove nothing).
    for (const [what, n] of Object.entries(tally)) expect(n, `seed ${seed}: ${what}`).toBeGreaterThan(0);
    await redis.del(...(await redis.keys(`${prefix}*`)));
  },
  120_000,
);
