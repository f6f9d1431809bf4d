import { randomBytes } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { AppError } from '../kernel/errors.ts';
import { LuaScripts } from '../kernel/lua.ts';
import { RESERVE_ORDER_FIELDS, ReserveCode, UnlockCode } from './codes.ts';
import { benchLockKey } from './keys.ts';
import type { ReserveArgs, ReserveKeys } from './scripts.ts';

/**
 * How an order's stock step runs (setting BENCH_STOCK_STEP). `lua` is Hawker's: reserve.lua, one atomic script. The
 * others exist for the flash-sale benchmark only (issue 20, P1: "the baselines run through the same server code and
 * differ only in the stock step"), and production refuses them (server/config.ts).
 */
export const STOCK_STEPS = ['lua', 'watch', 'lock', 'naive'] as const;
export type StockStep = (typeof STOCK_STEPS)[number];

/** What a benchmark stock step needs besides its Redis connection. */
export interface BenchStepOptions {
  step: Exclude<StockStep, 'lua'>;
  /** `watch`: connections in its pool, each running one transaction at a time (WATCH belongs to a connection). */
  watchConnections: number;
  /** `lock`: the lock's lease, ms: a holder that dies (or stalls longer) lets the next one in. */
  lockLeaseMs: number;
  /**
   * The benchmark's counts: each WATCH conflict (a null EXEC), each failed lock attempt, and each lock found gone at
   * release (its lease ran out while held: another holder may have been in at the same time).
   */
  onRetry?: (kind: BenchRetryKind) => void;
}

/** What BenchStepOptions.onRetry counts. */
export type BenchRetryKind = 'exec_conflict' | 'lock_wait' | 'lease_lost';

/** reserve.lua's answer: a code of ReserveCode and its value. */
export type ReserveResult = [number, (string | number)?];

/** The pool fields reserve.lua reads, in its order. */
const POOL_FIELDS = ['state', 'start', 'end', 'limit', 'left', 'price', 'currency', 'title'] as const;

/** Everything reserve.lua reads, read at one point in time (or, for `naive`, near enough). */
interface ReserveReads {
  /** The buyer is in the room's or the agency's ban set (refused only when ReserveArgs.checkBans). */
  banned: boolean;
  prior: string | null;
  fenced: boolean;
  roomStatus: string | null;
  scheduledAt: string | null;
  pool: (string | null)[];
  had: number;
  /** Redis's clock (TIME), ms, as reserve.lua takes it. */
  now: number;
}

/** Full-jitter backoff of the lock step: a random wait up to 1, 2, 4 ... 64 ms (the baseline server's). */
const LOCK_BACKOFF_CAP_MS = 64;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A benchmark-only port of reserve.lua to JavaScript: the same reads, checks (in the same order), writes, keys and
 * return codes, so the order service and everything around it run unchanged; only the concurrency control differs:
 *
 * - `watch`: optimistic transactions. On a connection of its own (from a small pool; attempts wait for a free one),
 *   WATCH every key the checks read (idempotency record, ledger fence, room, pool, buyer units) and read them in one
 *   pipeline, check, then MULTI/EXEC the writes; a null EXEC (a watched key changed) starts over, until it reserves
 *   or a check refuses.
 * - `lock`: a lock per pool, `SET <pool>:bench-lock <token> NX PX <lease>`, retried after a full-jitter backoff;
 *   the holder reads (one pipeline), checks, writes (MULTI) and releases with compare-and-delete (unlock.lua).
 *   Correct only while no holder outlives its lease, and only among reservations: the other stock scripts (restock
 *   and withdraw, sale end, transitions) do not take the lock. Transitions only give units back, which a holder's
 *   relative HINCRBY tolerates; a withdraw or a sale ending during a race is outside what the benchmark exercises.
 * - `naive`: read (one pipeline), check, write (one pipeline), no isolation: two buyers can both see the last unit,
 *   so it oversells. The reference, not a choice.
 */
export class BenchReserveStep {
  private readonly lua: LuaScripts<'unlock'>;
  /** `watch`: idle connections, the number made so far, and attempts waiting for one (FIFO). */
  private readonly idle: Redis[] = [];
  private made = 0;
  private readonly waiting: { resolve: (conn: Redis) => void; reject: (err: Error) => void }[] = [];
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly dirtyKey: string,
    private readonly o: BenchStepOptions,
  ) {
    this.lua = new LuaScripts(redis, 'stock', new URL('./lua/', import.meta.url), ['unlock']);
  }

  /** Runs the step; answers as reserve.lua does. */
  run(k: ReserveKeys, a: ReserveArgs): Promise<ReserveResult> {
    if (this.o.step === 'watch') return this.watch(k, a);
    if (this.o.step === 'lock') return this.lock(k, a);
    return this.naive(k, a);
  }

  /**
   * Disconnects the `watch` pool's connections (the shared connection is the caller's) and refuses the attempts still
   * waiting for one, as a new attempt would be refused: none is left pending. Idempotent.
   */
  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) conn.disconnect();
    for (const waiter of this.waiting.splice(0)) waiter.reject(closedError());
  }

  private async watch(k: ReserveKeys, a: ReserveArgs): Promise<ReserveResult> {
    const conn = await this.acquire();
    let clean = false;
    try {
      for (;;) {
        const tx = conn.pipeline().watch(k.idempotency, k.fence, k.room, k.pool, k.units, k.roomBans, k.agencyBans);
        const r = await read(tx, k, a, 1);
        const refusal = check(r, a);
        if (refusal) {
          // Not awaited: a connection runs its commands in order, so the next attempt's WATCH comes after this
          // UNWATCH, and the refusal need not wait a round trip for it. A failed UNWATCH means a broken connection,
          // which the next attempt's own commands find.
          conn.unwatch().catch(() => {});
          clean = true;
          return refusal;
        }
        const done = await write(conn.multi(), k, a, r, this.dirtyKey).exec();
        clean = true; // EXEC ends the WATCH either way
        if (done) {
          for (const [err] of done) if (err) throw err;
          return [ReserveCode.RESERVED, a.orderId];
        }
        this.o.onRetry?.('exec_conflict');
        clean = false;
      }
    } finally {
      this.release(conn, clean);
    }
  }

  private async lock(k: ReserveKeys, a: ReserveArgs): Promise<ReserveResult> {
    const lockKey = benchLockKey(k.pool);
    const token = randomBytes(8).toString('hex');
    for (let attempt = 0; (await this.redis.set(lockKey, token, 'PX', this.o.lockLeaseMs, 'NX')) !== 'OK'; attempt++) {
      this.o.onRetry?.('lock_wait');
      await sleep(Math.random() * Math.min(LOCK_BACKOFF_CAP_MS, 2 ** attempt));
    }
    try {
      const r = await read(this.redis.pipeline(), k, a, 0);
      const refusal = check(r, a);
      if (refusal) return refusal;
      const done = await write(this.redis.multi(), k, a, r, this.dirtyKey).exec();
      for (const [err] of done ?? []) if (err) throw err;
      return [ReserveCode.RESERVED, a.orderId];
    } finally {
      // Compare-and-delete: a holder whose lease ran out must not free the next holder's lock.
      const [res] = (await this.lua.run('unlock', [lockKey], [token])) as [number];
      if (res !== UnlockCode.RELEASED) this.o.onRetry?.('lease_lost');
    }
  }

  private async naive(k: ReserveKeys, a: ReserveArgs): Promise<ReserveResult> {
    const r = await read(this.redis.pipeline(), k, a, 0);
    const refusal = check(r, a);
    if (refusal) return refusal;
    const done = await write(this.redis.pipeline(), k, a, r, this.dirtyKey).exec();
    for (const [err] of done ?? []) if (err) throw err;
    return [ReserveCode.RESERVED, a.orderId];
  }

  private acquire(): Promise<Redis> {
    if (this.closed) return Promise.reject(closedError());
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.made < this.o.watchConnections) {
      this.made += 1;
      // Not auto-pipelined: a transaction's commands go out as written, on a connection nothing else uses.
      return Promise.resolve(this.redis.duplicate({ enableAutoPipelining: false }));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Returns a connection to the pool; one that may still hold a WATCH (an error mid-attempt) is replaced. */
  private release(conn: Redis, clean: boolean): void {
    if (!clean || this.closed) {
      conn.disconnect();
      this.made -= 1;
      const next = this.waiting.shift();
      if (next && !this.closed) {
        this.made += 1;
        next.resolve(this.redis.duplicate({ enableAutoPipelining: false }));
      } else next?.reject(closedError());
      return;
    }
    const next = this.waiting.shift();
    if (next) next.resolve(conn);
    else this.idle.push(conn);
  }
}

const closedError = () => AppError.unavailable('The stock step is closed');

/** Queues reserve.lua's reads (after `skip` commands already queued) and sends them: one round trip. */
async function read(p: ChainableCommander, k: ReserveKeys, a: ReserveArgs, skip: number): Promise<ReserveReads> {
  const res = await p
    .get(k.idempotency)
    .exists(k.fence)
    .hmget(k.room, 'status', 'scheduledAt')
    .hmget(k.pool, ...POOL_FIELDS)
    .hget(k.units, a.buyerId)
    .time()
    .sismember(k.roomBans, a.buyerId)
    .sismember(k.agencyBans, a.buyerId)
    .exec();
  const v = (res ?? []).slice(skip).map(([err, value]) => {
    if (err) throw err;
    return value;
  });
  const [prior, fenced, room, pool, had, time, inRoomBans, inAgencyBans] = v as [
    string | null,
    number,
    (string | null)[],
    (string | null)[],
    string | null,
    [string, string],
    number,
    number,
  ];
  return {
    banned: inRoomBans === 1 || inAgencyBans === 1,
    prior,
    fenced: fenced === 1,
    roomStatus: room[0] ?? null,
    scheduledAt: room[1] ?? null,
    pool,
    had: Number(had ?? 0),
    now: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000),
  };
}

/** reserve.lua's checks, in its order: the refusal (or replay) it would answer, or null to reserve. */
function check(r: ReserveReads, a: ReserveArgs): ReserveResult | null {
  if (a.checkBans && r.banned) return [ReserveCode.BANNED];
  if (r.prior !== null) {
    const sep = r.prior.indexOf('|');
    const orderId = r.prior.slice(0, sep);
    return r.prior.slice(sep + 1) !== a.fingerprint ? [ReserveCode.KEY_REUSED, orderId] : [ReserveCode.REPLAYED, orderId];
  }
  if (!r.fenced) return [ReserveCode.RECOVERING];
  if (r.roomStatus === 'scheduled') return [ReserveCode.ROOM_NOT_LIVE, r.scheduledAt ?? ''];
  const [state, start, finish, limit, left] = r.pool;
  if (!state) return [ReserveCode.NO_POOL];
  if (state === 'ended') return [ReserveCode.ENDED];
  if (r.now < Number(start)) return [ReserveCode.NOT_STARTED, Number(start)];
  if (Number(finish) > 0 && r.now >= Number(finish)) return [ReserveCode.ENDED];
  const q = a.quantity;
  if (Number(limit) > 0 && r.had + q > Number(limit)) return [ReserveCode.LIMIT_REACHED, Math.max(Number(limit) - r.had, 0)];
  if (Number(left) === 0) return [ReserveCode.SOLD_OUT];
  if (Number(left) < q) return [ReserveCode.INSUFFICIENT, Number(left)];
  return null;
}

/** Queues reserve.lua's writes, in its order, on a MULTI (watch, lock) or a plain pipeline (naive). */
function write(tx: ChainableCommander, k: ReserveKeys, a: ReserveArgs, r: ReserveReads, dirtyKey: string): ChainableCommander {
  const q = a.quantity;
  const price = Number(r.pool[5]);
  const deadline = r.now + a.paymentWindowMs;
  tx.hincrby(k.pool, 'left', -q).hincrby(k.pool, 'reserved', q).hincrby(k.units, a.buyerId, q);
  tx.hset(
    k.order,
    RESERVE_ORDER_FIELDS.flatMap((name, i) => [name, a.fields[i]!]),
  );
  return tx
    .hset(
      k.order,
      'id',
      a.orderId,
      'buyerId',
      a.buyerId,
      'quantity',
      q,
      'unitPrice',
      price,
      'amount',
      price * q,
      'currency',
      r.pool[6] ?? '',
      'title',
      r.pool[7] ?? '',
      'status',
      'reserved',
      'createdAt',
      r.now,
      'updatedAt',
      r.now,
      'deadline',
      deadline,
    )
    .set(k.idempotency, `${a.orderId}|${a.fingerprint}`, 'PX', a.idempotencyTtlMs)
    .zadd(k.deadlines, deadline, a.orderId)
    .zadd(k.unconfirmed, r.now, a.orderId)
    .zadd(k.byBuyer, r.now, a.orderId)
    .zadd(k.byRoom, r.now, a.orderId)
    .sadd(dirtyKey, k.pool);
}
