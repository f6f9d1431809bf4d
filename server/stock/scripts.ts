import type { Redis } from 'ioredis';
import { LuaScripts } from '../kernel/lua.ts';
import {
  AdjustCode,
  EndCode,
  RebuildCode,
  ReserveCode,
  type RESERVE_ORDER_FIELDS,
  ScheduleCode,
  SeedCode,
  TransitionCode,
} from './codes.ts';
import { BenchReserveStep, type BenchStepOptions } from './benchReserve.ts';
import { stockError } from './errors.ts';
import { stockKeys, type StockKeys } from './keys.ts';

type Script = 'reserve' | 'transition' | 'rebuild' | 'adjust' | 'schedule' | 'end' | 'seed';

/** Keys reserve.lua takes besides the pool's own (in its header's order). */
export interface ReserveKeys {
  pool: string;
  units: string;
  idempotency: string;
  order: string;
  deadlines: string;
  unconfirmed: string;
  byBuyer: string;
  byRoom: string;
  fence: string;
  room: string;
  /** Moderation's ban sets of the room and of its agency (the room's twice without one), read when checkBans. */
  roomBans: string;
  agencyBans: string;
}

/** What reserve.lua takes besides its keys (ARGV, in its header's order). */
export interface ReserveArgs {
  orderId: string;
  buyerId: string;
  quantity: number;
  fingerprint: string;
  paymentWindowMs: number;
  idempotencyTtlMs: number;
  /** The values of RESERVE_ORDER_FIELDS, in its order, copied onto the order. */
  fields: ValuesOf<typeof RESERVE_ORDER_FIELDS>;
  /** Refuse a buyer in roomBans or agencyBans (BANNED), before anything else. */
  checkBans: boolean;
}

/** A string for each name of a list of names, as a tuple of the same length. */
type ValuesOf<T extends readonly string[]> = { -readonly [K in keyof T]: string };

export interface TransitionKeys {
  order: string;
  pool: string;
  /** The SKU pool (the sale's parent; = pool for list-price orders). */
  sku: string;
  units: string;
  deadlines: string;
  unconfirmed: string;
  events: string;
  /** The ledger fence (absent while recovery rebuilds Redis). */
  fence: string;
}

export interface ScheduleKeys {
  sku: string;
  sale: string;
  roomActive: string;
  roomHistory: string;
  starts: string;
  ends: string;
}

export interface EndKeys {
  sale: string;
  sku: string;
  roomActive: string;
  starts: string;
  ends: string;
}

/**
 * The only writers of stock counters: every Lua script that moves a unit between left, reserved, sold, allocated and
 * returned lives in server/stock/lua/, and is called through this class, which knows each script's KEYS order and turns
 * its return codes (server/stock/codes.ts) into results or, through stockError, typed refusals. The invariants they
 * keep are stated once, in server/stock/pool.ts, and checked after every operation by test/stock/invariant.test.ts.
 * (One exception, for benchmarks only and refused in production: BENCH_STOCK_STEP swaps reserve.lua for a JavaScript
 * port of it with other concurrency control, server/stock/benchReserve.ts, still called through this class.)
 */
export class StockScripts {
  readonly keys: StockKeys;
  private readonly lua: LuaScripts<Script>;
  /** A benchmark-only stock step in place of reserve.lua (BENCH_STOCK_STEP), or null: reserve.lua. */
  private readonly bench: BenchReserveStep | null;

  /** `bench`: reserve through a benchmark-only step instead of reserve.lua (server/stock/benchReserve.ts). */
  constructor(redis: Redis, prefix: string, bench?: BenchStepOptions) {
    this.keys = stockKeys(prefix);
    this.bench = bench ? new BenchReserveStep(redis, this.keys.dirty, bench) : null;
    this.lua = new LuaScripts(redis, 'stock', new URL('./lua/', import.meta.url), [
      'reserve',
      'transition',
      'rebuild',
      'adjust',
      'schedule',
      'end',
      'seed',
    ]);
  }

  /**
   * Reserves units for an order (reserve.lua, or the benchmark's step: same codes). Refusals throw (stockError);
   * nothing changed then.
   */
  async reserve(k: ReserveKeys, a: ReserveArgs): Promise<{ orderId: string; replayed: boolean }> {
    const res = this.bench
      ? await this.bench.run(k, a)
      : ((await this.lua.run(
          'reserve',
          [
            k.pool,
            k.units,
            k.idempotency,
            k.order,
            k.deadlines,
            k.unconfirmed,
            k.byBuyer,
            k.byRoom,
            this.keys.dirty,
            k.fence,
            k.room,
            k.roomBans,
            k.agencyBans,
          ],
          [a.orderId, a.buyerId, a.quantity, a.fingerprint, a.paymentWindowMs, a.idempotencyTtlMs, ...a.fields, a.checkBans ? '1' : '0'],
        )) as [number, (string | number)?]);
    if (res[0] === ReserveCode.RESERVED || res[0] === ReserveCode.REPLAYED)
      return { orderId: String(res[1]), replayed: res[0] === ReserveCode.REPLAYED };
    throw stockError('reserve', res);
  }

  /**
   * Mirrors an order status into Redis and settles its units (transition.lua); null when the order is not in Redis,
   * 'recovering' when `fenced` and recovery is rebuilding the counters (nothing changed).
   */
  async transition(
    k: TransitionKeys,
    a: { action: string; reason: string; chargeId: string; eventsMaxLen: number; fenced: boolean },
  ): Promise<{ changed: boolean; status: string } | 'recovering' | null> {
    const res = (await this.lua.run(
      'transition',
      [k.order, k.pool, k.sku, k.units, k.deadlines, k.unconfirmed, this.keys.dirty, k.events, k.fence],
      [a.action, a.reason, a.chargeId, a.eventsMaxLen, a.fenced ? '1' : '0'],
    )) as [number, string?];
    if (res[0] === TransitionCode.NO_ORDER) return null;
    if (res[0] === TransitionCode.RECOVERING) return 'recovering';
    return { changed: res[0] === TransitionCode.CHANGED, status: String(res[1]) };
  }

  /**
   * Rebuilds one SKU's counters and its sales' from the ledger's counts (rebuild.lua). Returns the anomalies the script
   * reported, or null when the SKU pool no longer exists in Redis.
   */
  async rebuild(
    sku: { productId: string; skuId: string; open: number; paid: number },
    sales: { saleId: string; open: number; paid: number }[],
  ): Promise<string[] | null> {
    const res = (await this.lua.run(
      'rebuild',
      [this.keys.sku(sku.productId, sku.skuId), this.keys.dirty, ...sales.map((s) => this.keys.sale(s.saleId))],
      [sku.open, sku.paid, ...sales.flatMap((s) => [s.open, s.paid])],
    )) as [number, ...string[]];
    return res[0] === RebuildCode.REBUILT ? res.slice(1).map(String) : null;
  }

  /** Restocks (delta > 0) or withdraws units of a SKU's list-price pool, never past `cap` in total (adjust.lua). */
  async adjust(productId: string, skuId: string, delta: number, cap: number, subject: string): Promise<{ left: number; total: number }> {
    const res = (await this.lua.run('adjust', [this.keys.sku(productId, skuId), this.keys.dirty], [delta, cap])) as number[];
    if (res[0] === AdjustCode.ADJUSTED) return { left: res[1]!, total: res[2]! };
    throw stockError('adjust', res, { subject, limit: cap });
  }

  /**
   * Creates a shop SKU's pool unless it exists, else brings its title, price and state to `version` if that is newer
   * (seed.lua). Never touches an existing pool's counters.
   */
  async seed(
    productId: string,
    skuId: string,
    d: { version: number; title: string; price: number; state: 'live' | 'ended' },
    pool: Record<string, string | number>,
  ): Promise<'seeded' | 'updated' | 'existed'> {
    const res = (await this.lua.run(
      'seed',
      [this.keys.sku(productId, skuId), this.keys.dirty],
      [d.version, d.title, d.price, d.state, ...Object.entries(pool).flat()],
    )) as number[];
    return res[0] === SeedCode.SEEDED ? 'seeded' : res[0] === SeedCode.UPDATED ? 'updated' : 'existed';
  }

  /** Closes what the benchmark's stock step opened (its own connections); nothing for reserve.lua. */
  close(): void {
    this.bench?.close();
  }

  /** Carves a flash sale's pool out of its SKU's (schedule.lua). */
  async schedule(
    k: ScheduleKeys,
    a: { saleId: string; quantity: number; startsAt: number; durationMs: number; maxActive: number; fields: (string | number)[] },
  ): Promise<{ start: number; end: number }> {
    const res = (await this.lua.run(
      'schedule',
      [k.sku, k.sale, k.roomActive, k.roomHistory, k.starts, k.ends, this.keys.dirty],
      [a.saleId, a.quantity, a.startsAt, a.durationMs, a.maxActive, ...a.fields],
    )) as [number, (number | string)?, number?];
    if (res[0] === ScheduleCode.SCHEDULED) return { start: Number(res[1]), end: Number(res[2]) };
    throw stockError('schedule', res, { limit: a.maxActive });
  }

  /** Ends a sale and gives its unsold units back to the SKU (end.lua); false if already ended, not due, or missing. */
  async end(k: EndKeys, a: { saleId: string; mode: 'due' | 'force'; reason: string }): Promise<boolean> {
    const res = (await this.lua.run(
      'end',
      [k.sale, k.sku, k.roomActive, k.starts, k.ends, this.keys.dirty],
      [a.saleId, a.mode, a.reason],
    )) as number[];
    return res[0] === EndCode.ENDED;
  }
}
