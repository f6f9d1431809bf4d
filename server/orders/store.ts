import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.ts';
import { ErrorCode } from '@hawker/protocol';
import { saleKeys, type SaleKeys } from '../flash-sale/store.ts';
import type { BenchStepOptions } from '../stock/benchReserve.ts';
import { StockScripts } from '../stock/scripts.ts';
import { poolId, poolKey, stockKeys, type PoolRef, type StockKeys } from '../stock/keys.ts';
import type { Order, OrderStatus } from '@hawker/protocol';
import { newId } from '../kernel/ids.ts';
import { roomKeys, type RoomKeys } from '../rooms/store.ts';
import type { OrderChannel } from '@hawker/protocol';

/** Redis keys owned by the orders domain. */
export const orderKeys = (p: string) => ({
  /**
   * Hash: one order (see toView for the fields): the hot copy of the ledger's order. Kept while the order is open;
   * once settled it expires SETTLED_ORDER_TTL_MS later (the ledger is the record: replays and reads go there).
   */
  order: (orderId: string) => `${p}order:${orderId}`,
  /** String "orderId|fingerprint": a buyer's idempotency key, kept IDEMPOTENCY_TTL_MS. */
  idem: (buyerId: string, key: string) => `${p}orders:idem:${buyerId}:${key}`,
  /** Hash buyerId -> active units (reserved, paying, paid) in one pool: the per-buyer limit (server/stock). */
  units: stockKeys(p).units,
  byBuyer: (buyerId: string) => `${p}orders:buyer:${buyerId}`,
  byRoom: (roomId: string) => `${p}orders:room:${roomId}`,
  /** Sorted set of orders open in Redis by payment deadline (the supervisor checks them against the ledger). */
  deadlines: `${p}orders:deadlines`,
  /** Sorted set of reservations not yet committed to the PostgreSQL ledger, by creation time. */
  unconfirmed: `${p}orders:unconfirmed`,
  /** String: present once this Redis's hot state was rebuilt from the ledger; reservations are refused without it. */
  fence: `${p}ledger:ready`,
  /** Stream of order status changes, read by every node to push `order:updated` to the buyer's sockets. */
  events: `${p}orders:events`,
  /**
   * Never written: what reserve.lua reads as "the room" of an order placed outside a live (storefront, search, replay,
   * clip), so no room status gates it (a replay's room has ended, a storefront order has none).
   */
  noRoom: `${p}orders:no-room`,
});
export type OrderKeys = ReturnType<typeof orderKeys>;

export type { PoolRef } from '../stock/keys.ts';

export interface ReserveRequest {
  buyerId: string;
  /** Null outside a room (storefront, search). */
  roomId: string | null;
  agencyId: string | null;
  pool: PoolRef;
  quantity: number;
  idempotencyKey: string;
  /** Default 'live': the room's status gates the reservation (reserve.lua); other channels are not gated by a room. */
  channel?: OrderChannel;
  shopId?: string | null;
  creatorId?: string | null;
  /**
   * Moderation's ban sets to refuse the buyer by, inside the reserve script and before anything else (FORBIDDEN), when
   * the caller leaves the ban check to it (the live order path); absent: the caller checked bans itself.
   */
  bans?: { room: string; agency: string } | null;
}

export type TransitionAction = 'begin' | 'paid' | 'fail' | 'expire' | 'cancel';

/** An order plus the internal fields the scripts need. */
export interface OrderRecord extends Order {
  agencyId: string | null;
  poolKind: 'sale' | 'sku';
  idempotencyKey: string;
}

/** What `mirror` needs of an order: its immutable routing fields and the status the ledger committed. */
export type MirrorableOrder = Pick<
  OrderRecord,
  'id' | 'roomId' | 'agencyId' | 'poolKind' | 'saleId' | 'productId' | 'skuId' | 'status' | 'chargeId' | 'failureReason'
>;

/** The Redis action that brings an open order to each ledger status. */
const MIRROR_ACTION: Partial<Record<OrderStatus, TransitionAction>> = {
  pending_payment: 'begin',
  paid: 'paid',
  failed: 'fail',
  expired: 'expire',
  cancelled: 'cancel',
};

/**
 * The idempotency key was seen before, but Redis no longer holds that order's copy (an order that ended before Redis
 * lost data, whose key recovery restored): the ledger has the order.
 */
export class ReplayedUnknownOrder extends Error {
  override readonly name = 'ReplayedUnknownOrder';
  constructor(readonly orderId: string) {
    super(`order ${orderId} is not in Redis any more; read it from the ledger`);
  }
}

/**
 * A status change refused because recovery is rebuilding Redis's counters from the ledger (transition.lua's fence):
 * nothing changed. Recovery re-applies every status the ledger committed meanwhile, so a mirror may drop it; any other
 * caller answers UNAVAILABLE or retries later.
 */
export class RecoveringError extends AppError {
  constructor(orderId: string) {
    super(ErrorCode.UNAVAILABLE, `Order ${orderId} cannot change in Redis while its stock is rebuilt from the ledger; retry shortly`);
  }
}

/** Idempotency records outlive any payment window, so a retried request can always find its order. */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600_000;
/**
 * How long a settled order's Redis copy outlives its settlement. Nothing needs it then (listings, reads, refunds and
 * reconciliation read the ledger; its stock moved when it settled), except a replay of its idempotency key, which
 * expires sooner: that key lives IDEMPOTENCY_TTL_MS from the order's creation, this copy as long from its settlement.
 * A replay that still finds a key without its copy (recovery restores keys, not settled copies) is answered from the
 * ledger (ReplayedUnknownOrder). Without this, every order ever placed would stay in Redis.
 */
export const SETTLED_ORDER_TTL_MS = IDEMPOTENCY_TTL_MS;
const SETTLED: ReadonlySet<string> = new Set<OrderStatus>(['paid', 'failed', 'expired', 'cancelled']);

/** Approximate length cap of the order events stream (pushes are best effort; orders themselves are durable). */
const EVENTS_MAXLEN = 100_000;

/**
 * Orders in Redis: the hot copy of the ledger's orders that the stock scripts need. Order status and stock move only
 * through server/stock's scripts: reserve.lua (idempotency + window + per-buyer limit + stock, in one atomic step) and
 * transition.lua (mirrors a status the ledger committed, releasing or selling the reserved units in the same step).
 */
export class OrderStore {
  readonly keys: OrderKeys;
  private readonly stock: StockScripts;
  private readonly stockKeys: StockKeys;
  readonly sales: SaleKeys;
  private readonly rooms: RoomKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly paymentWindowMs: number,
    /** Benchmarks only (BENCH_STOCK_STEP): reserve through another stock step than reserve.lua. */
    benchStep?: BenchStepOptions,
  ) {
    this.keys = orderKeys(prefix);
    this.sales = saleKeys(prefix);
    this.rooms = roomKeys(prefix);
    this.stock = new StockScripts(redis, prefix, benchStep);
    this.stockKeys = this.stock.keys;
  }

  /** Closes the connections a benchmark stock step opened (none otherwise). */
  close(): void {
    this.stock.close();
  }

  /**
   * Reserves stock for an order (server/stock/lua/reserve.lua). Resolves with the order (new, or the one an earlier request with
   * the same idempotency key created); throws an orderRefusal CONFLICT (nothing changed) otherwise.
   */
  async reserve(r: ReserveRequest): Promise<{ order: OrderRecord; replayed: boolean }> {
    const k = this.keys;
    const orderId = `ord_${newId()}`;
    const { orderId: id, replayed } = await this.stock.reserve(
      {
        pool: poolKey(this.stockKeys, r.pool),
        units: k.units(poolId(r.pool)),
        idempotency: k.idem(r.buyerId, r.idempotencyKey),
        order: k.order(orderId),
        deadlines: k.deadlines,
        unconfirmed: k.unconfirmed,
        byBuyer: k.byBuyer(r.buyerId),
        // An order outside a room is indexed per buyer only (the same zset twice: no new key).
        byRoom: r.roomId ? k.byRoom(r.roomId) : k.byBuyer(r.buyerId),
        fence: k.fence,
        room: (r.channel ?? 'live') === 'live' && r.roomId ? this.rooms.room(r.roomId) : k.noRoom,
        // Keys never written stand in when the caller checked bans itself (the script does not read them then).
        roomBans: r.bans?.room ?? k.noRoom,
        agencyBans: r.bans?.agency ?? k.noRoom,
      },
      {
        orderId,
        buyerId: r.buyerId,
        quantity: r.quantity,
        fingerprint: this.fingerprint(r.pool, r.quantity),
        paymentWindowMs: this.paymentWindowMs,
        idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
        checkBans: Boolean(r.bans),
        // The values of RESERVE_ORDER_FIELDS (server/stock/scripts.ts), in its order.
        fields: [
          r.roomId ?? '',
          r.agencyId ?? '',
          r.pool.kind,
          r.pool.productId,
          r.pool.skuId,
          r.pool.kind === 'sale' ? r.pool.saleId : '',
          r.idempotencyKey,
          r.channel ?? 'live',
          r.shopId ?? '',
          r.creatorId ?? '',
        ],
      },
    );
    const order = await this.record(id);
    if (!order && replayed) throw new ReplayedUnknownOrder(id);
    if (!order) throw new Error(`order ${id} vanished right after reserve`);
    return { order, replayed };
  }

  /**
   * Applies a state-machine action (server/stock/lua/transition.lua). `changed: false` means the order's current status does not
   * allow it (e.g. it already reached a final state by another path); nothing was changed then.
   *
   * `order` is the order id, or a record of it the caller already read: the script needs only fields that never change
   * (room, pool, agency) to name its keys, and checks the current status itself, so a stale record is safe and saves
   * a read on the payment path.
   */
  async transition(
    order: string | MirrorableOrder,
    action: TransitionAction,
    opts: { reason?: string; chargeId?: string; unfenced?: boolean } = {},
  ): Promise<{ changed: boolean; status: OrderStatus }> {
    const rec = typeof order === 'string' ? await this.record(order) : order;
    if (!rec) throw AppError.notFound(`Order ${order as string}`);
    const orderId = rec.id;
    const pool: PoolRef =
      rec.poolKind === 'sale'
        ? { kind: 'sale', saleId: rec.saleId!, productId: rec.productId, skuId: rec.skuId }
        : { kind: 'sku', productId: rec.productId, skuId: rec.skuId };
    const k = this.keys;
    const res = await this.stock.transition(
      {
        order: k.order(orderId),
        pool: poolKey(this.stockKeys, pool),
        sku: this.stockKeys.sku(rec.productId, rec.skuId),
        units: k.units(poolId(pool)),
        deadlines: k.deadlines,
        unconfirmed: k.unconfirmed,
        events: k.events,
        fence: k.fence,
      },
      {
        action,
        reason: opts.reason ?? '',
        chargeId: opts.chargeId ?? '',
        eventsMaxLen: EVENTS_MAXLEN,
        // Only recovery itself moves counters while it rebuilds them (see transition.lua).
        fenced: !opts.unfenced,
      },
    );
    if (!res) throw AppError.notFound(`Order ${orderId}`);
    if (res === 'recovering') throw new RecoveringError(orderId);
    // Settled (now or before: a mirror repeated after a crash between the script and this line sets it then).
    if (SETTLED.has(res.status)) await this.redis.pexpire(k.order(orderId), SETTLED_ORDER_TTL_MS);
    return { changed: res.changed, status: res.status as OrderStatus };
  }

  async get(orderId: string): Promise<Order | null> {
    const rec = await this.record(orderId);
    if (!rec) return null;
    const { agencyId: _a, poolKind: _p, idempotencyKey: _k, ...order } = rec;
    return order;
  }

  async record(orderId: string): Promise<OrderRecord | null> {
    const h = await this.redis.hgetall(this.keys.order(orderId));
    return h.id ? toRecord(h) : null;
  }

  /**
   * Applies a status the ledger committed to the Redis mirror (releasing or selling its units). Harmless to repeat:
   * a mirror already applied, or not reachable from the Redis status, changes nothing. While recovery rebuilds the
   * counters it is dropped (null): recovery re-applies what the ledger committed meanwhile. `unfenced` is recovery's
   * own, before it reads the ledger.
   */
  async mirror(o: MirrorableOrder, opts: { unfenced?: boolean } = {}): Promise<{ changed: boolean; status: OrderStatus } | null> {
    const action = MIRROR_ACTION[o.status];
    if (!action) return null;
    try {
      return await this.transition(o, action, {
        reason: o.failureReason ?? undefined,
        chargeId: o.chargeId ?? undefined,
        unfenced: opts.unfenced,
      });
    } catch (err) {
      // The Redis copy is gone (lost with Redis data): recovery rebuilds it from the ledger.
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) return null;
      // Recovery is rebuilding the counters: it re-applies every status the ledger committed meanwhile.
      if (err instanceof RecoveringError) return null;
      throw err;
    }
  }

  /** Tells the buyer's sockets (every node) that a just-committed order exists. */
  async announce(o: Order): Promise<void> {
    await this.pushEvent(o, ['updatedAt', o.updatedAt]);
  }

  /** One entry of the order events stream (capped at EVENTS_MAXLEN): the order, its buyer and status, then `extra`. */
  private async pushEvent(o: Order, extra: (string | number)[]): Promise<void> {
    await this.redis.xadd(
      this.keys.events,
      'MAXLEN',
      '~',
      EVENTS_MAXLEN,
      '*',
      'orderId',
      o.id,
      'buyerId',
      o.buyerId,
      'status',
      o.status,
      ...extra,
    );
  }

  /**
   * Tells the buyer's sockets (every node) that a paid order took a fulfilment step (server/fulfilment), after it is
   * committed: `order:updated` with the order's fulfilment, `at` being the step's time.
   */
  async announceFulfilment(o: Order, reason: string | null, at: number): Promise<void> {
    await this.pushEvent(o, ['reason', reason ?? '', 'updatedAt', at, 'fulfilment', JSON.stringify(o.fulfilment ?? null)]);
  }

  /** Reservations made before `before` that are still not confirmed durable (the supervisor settles them). */
  unconfirmed(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.unconfirmed, '-inf', before, 'LIMIT', 0, limit);
  }

  /** The reservations' ledger rows are committed. */
  async confirm(orderIds: readonly string[]): Promise<void> {
    if (orderIds.length) await this.redis.zrem(this.keys.unconfirmed, ...orderIds);
  }

  /** Orders still open in Redis whose deadline is at or before `now` (compared with the ledger by the supervisor). */
  openPastDeadline(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.deadlines, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Moves an open order's next look in the deadline set (no-op if it left it). */
  async recheckAt(orderId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.deadlines, 'XX', at, orderId);
  }

  /**
   * Rebuilds one SKU's counters and its sales' from the ledger's counts (server/stock/lua/rebuild.lua). Returns the anomalies the
   * script reported, or null when the SKU pool no longer exists in Redis.
   */
  rebuildPool(
    sku: { productId: string; skuId: string; open: number; paid: number },
    sales: { saleId: string; open: number; paid: number }[],
  ): Promise<string[] | null> {
    return this.stock.rebuild(sku, sales);
  }

  /** What a request asked for: the same idempotency key with another request is refused, never replayed. */
  fingerprint(pool: PoolRef, quantity: number): string {
    return `${this.poolId(pool)}|${quantity}`;
  }

  poolId(p: PoolRef): string {
    return poolId(p);
  }

  poolKey(p: PoolRef): string {
    return poolKey(this.stockKeys, p);
  }
}

function toRecord(h: Record<string, string>): OrderRecord {
  return {
    id: h.id!,
    roomId: h.roomId || null,
    buyerId: h.buyerId!,
    productId: h.productId!,
    skuId: h.skuId!,
    saleId: h.saleId || null,
    title: h.title ?? '',
    quantity: Number(h.quantity),
    unitPrice: Number(h.unitPrice),
    amount: Number(h.amount),
    currency: h.currency!,
    status: h.status as OrderStatus,
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    deadline: Number(h.deadline),
    chargeId: h.chargeId || null,
    failureReason: h.failureReason || null,
    agencyId: h.agencyId || null,
    poolKind: h.poolKind === 'sale' ? 'sale' : 'sku',
    idempotencyKey: h.idempotencyKey ?? '',
    channel: (h.channel || 'live') as OrderChannel,
    shopId: h.shopId || null,
    creatorId: h.creatorId || null,
  };
}
