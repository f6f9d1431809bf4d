import type { Redis } from 'ioredis';
import { analyticsKeys, type AnalyticsKeys } from '../analytics/keys.ts';
import { catalogKeys, type CatalogKeys } from '../catalog/store.ts';
import { AppError } from '../errors.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { saleKeys, type SaleKeys } from '../flash-sale/store.ts';
import { LuaScripts } from '../infra/lua.ts';
import type { Order, OrderStatus } from '../protocol/commerce.ts';
import { newId, roomKeys, type RoomKeys } from '../rooms/store.ts';
import { orderRefusal } from './errors.ts';

/** Redis keys owned by the orders domain. */
export const orderKeys = (p: string) => ({
  /** Hash: one order (see toView for the fields). Orders are never deleted. */
  order: (orderId: string) => `${p}order:${orderId}`,
  /** String "orderId|fingerprint": a buyer's idempotency key, kept IDEMPOTENCY_TTL_MS. */
  idem: (buyerId: string, key: string) => `${p}orders:idem:${buyerId}:${key}`,
  /** Hash buyerId -> active units (reserved, paying, paid) in one pool: the per-buyer limit. */
  units: (poolId: string) => `${p}orders:units:${poolId}`,
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
});
export type OrderKeys = ReturnType<typeof orderKeys>;

/** Which stock pool an order draws from. */
export type PoolRef = { kind: 'sale'; saleId: string; productId: string; skuId: string } | { kind: 'sku'; productId: string; skuId: string };

export interface ReserveRequest {
  buyerId: string;
  roomId: string;
  agencyId: string | null;
  pool: PoolRef;
  quantity: number;
  idempotencyKey: string;
}

export type TransitionAction = 'begin' | 'paid' | 'fail' | 'expire' | 'cancel';

/** An order plus the internal fields the scripts need. */
export interface OrderRecord extends Order {
  agencyId: string | null;
  poolKind: 'sale' | 'sku';
  idempotencyKey: string;
}

/** What `mirror` needs of an order: its immutable routing fields and the status the ledger committed. */
export type MirrorableOrder = Pick<OrderRecord, 'id' | 'roomId' | 'agencyId' | 'poolKind' | 'saleId' | 'productId' | 'skuId' | 'status' | 'chargeId' | 'failureReason'>;

/** The Redis action that brings an open order to each ledger status. */
const MIRROR_ACTION: Partial<Record<OrderStatus, TransitionAction>> = {
  pending_payment: 'begin',
  paid: 'paid',
  failed: 'fail',
  expired: 'expire',
  cancelled: 'cancel',
};

/** Idempotency records outlive any payment window, so a retried request can always find its order. */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600_000;
/** Approximate length cap of the order events stream (pushes are best effort; orders themselves are durable). */
const EVENTS_MAXLEN = 100_000;

/**
 * Orders in Redis. The only writers of order status and of stock counters on the order path are two Lua scripts:
 * lua/reserve.lua (idempotency + window + per-buyer limit + stock, in one atomic step) and lua/transition.lua (the state
 * machine, releasing or selling the reserved units in the same step). Everything else here reads.
 */
export class OrderStore {
  readonly keys: OrderKeys;
  private readonly lua: LuaScripts<'reserve' | 'transition' | 'rebuild'>;
  readonly catalog: CatalogKeys;
  readonly sales: SaleKeys;
  readonly stats: AnalyticsKeys;
  private readonly rooms: RoomKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly paymentWindowMs: number,
  ) {
    this.keys = orderKeys(prefix);
    this.catalog = catalogKeys(prefix);
    this.sales = saleKeys(prefix);
    this.stats = analyticsKeys(prefix);
    this.rooms = roomKeys(prefix);
    this.lua = new LuaScripts(redis, 'orders', new URL('./lua/', import.meta.url), ['reserve', 'transition', 'rebuild']);
  }

  /**
   * Reserves stock for an order (lua/reserve.lua). Resolves with the order (new, or the one an earlier request with
   * the same idempotency key created); throws an orderRefusal CONFLICT (nothing changed) otherwise.
   */
  async reserve(r: ReserveRequest): Promise<{ order: OrderRecord; replayed: boolean }> {
    const k = this.keys;
    const orderId = `ord_${newId()}`;
    const poolId = this.poolId(r.pool);
    const statsRoom = this.stats.room(r.roomId);
    const res = (await this.lua.run(
      'reserve',
      [
        this.poolKey(r.pool),
        k.units(poolId),
        k.idem(r.buyerId, r.idempotencyKey),
        k.order(orderId),
        k.deadlines,
        k.unconfirmed,
        k.byBuyer(r.buyerId),
        k.byRoom(r.roomId),
        this.catalog.stockDirty,
        statsRoom,
        r.agencyId ? this.stats.agency(r.agencyId) : statsRoom,
        k.fence,
        this.rooms.room(r.roomId),
      ],
      [
        orderId,
        r.buyerId,
        r.quantity,
        this.fingerprint(r.pool, r.quantity),
        this.paymentWindowMs,
        IDEMPOTENCY_TTL_MS,
        r.agencyId ? '1' : '0',
        EVENTS_MAXLEN,
        ...['roomId', r.roomId, 'agencyId', r.agencyId ?? '', 'poolKind', r.pool.kind, 'productId', r.pool.productId, 'skuId', r.pool.skuId],
        ...['saleId', r.pool.kind === 'sale' ? r.pool.saleId : '', 'idempotencyKey', r.idempotencyKey],
      ],
    )) as [number, (string | number)?];
    switch (res[0]) {
      case 1:
      case 2: {
        const order = await this.record(String(res[1]));
        if (!order) throw new Error(`order ${res[1]} vanished right after reserve`);
        return { order, replayed: res[0] === 2 };
      }
      case -1:
        throw orderRefusal('SOLD_OUT', { left: 0 });
      case -2:
        throw orderRefusal('LIMIT_REACHED', { allowed: Number(res[1]) });
      case -3:
        throw orderRefusal('NOT_STARTED', { startsAt: Number(res[1]) });
      case -4:
        throw orderRefusal('ENDED');
      case -5:
        throw orderRefusal('IDEMPOTENCY_KEY_REUSED', { orderId: String(res[1]) });
      case -6:
        throw AppError.notFound('Product or sale');
      case -7:
        throw orderRefusal('INSUFFICIENT_STOCK', { left: Number(res[1]) });
      case -8:
        throw orderRefusal('NOT_STARTED', { startsAt: res[1] ? Number(res[1]) : null });
      case -9:
        throw AppError.unavailable('Orders are paused for a moment while the shop re-syncs its stock; nothing was reserved; retry shortly');
      default:
        throw new Error(`reserve.lua returned ${JSON.stringify(res)}`);
    }
  }

  /**
   * Applies a state-machine action (lua/transition.lua). `changed: false` means the order's current status does not
   * allow it (e.g. it already reached a final state by another path); nothing was changed then.
   *
   * `order` is the order id, or a record of it the caller already read: the script needs only fields that never change
   * (room, pool, agency) to name its keys, and checks the current status itself, so a stale record is safe and saves
   * a read on the payment path.
   */
  async transition(order: string | MirrorableOrder, action: TransitionAction, opts: { reason?: string; chargeId?: string } = {}): Promise<{ changed: boolean; status: OrderStatus }> {
    const rec = typeof order === 'string' ? await this.record(order) : order;
    if (!rec) throw AppError.notFound(`Order ${order as string}`);
    const orderId = rec.id;
    const pool: PoolRef =
      rec.poolKind === 'sale' ? { kind: 'sale', saleId: rec.saleId!, productId: rec.productId, skuId: rec.skuId } : { kind: 'sku', productId: rec.productId, skuId: rec.skuId };
    const statsRoom = this.stats.room(rec.roomId);
    const k = this.keys;
    const res = (await this.lua.run(
      'transition',
      [
        k.order(orderId),
        this.poolKey(pool),
        this.catalog.stock(rec.productId, rec.skuId),
        k.units(this.poolId(pool)),
        k.deadlines,
        k.unconfirmed,
        this.catalog.stockDirty,
        statsRoom,
        rec.agencyId ? this.stats.agency(rec.agencyId) : statsRoom,
        k.events,
      ],
      [action, opts.reason ?? '', opts.chargeId ?? '', rec.agencyId ? '1' : '0', EVENTS_MAXLEN],
    )) as [number, string?];
    if (res[0] === -1) throw AppError.notFound(`Order ${orderId}`);
    return { changed: res[0] === 1, status: res[1] as OrderStatus };
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
   * a mirror already applied, or not reachable from the Redis status, changes nothing.
   */
  async mirror(o: MirrorableOrder): Promise<{ changed: boolean; status: OrderStatus } | null> {
    const action = MIRROR_ACTION[o.status];
    if (!action) return null;
    try {
      return await this.transition(o, action, { reason: o.failureReason ?? undefined, chargeId: o.chargeId ?? undefined });
    } catch (err) {
      // The Redis copy is gone (lost with Redis data): recovery rebuilds it from the ledger.
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    }
  }

  /** Tells the buyer's sockets (every node) that a just-committed order exists. */
  async announce(o: Order): Promise<void> {
    await this.redis.xadd(this.keys.events, 'MAXLEN', '~', EVENTS_MAXLEN, '*', 'orderId', o.id, 'buyerId', o.buyerId, 'status', o.status, 'updatedAt', o.updatedAt);
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
   * Rebuilds one SKU's counters and its sales' from the ledger's counts (lua/rebuild.lua). Returns the anomalies the
   * script reported, or null when the SKU pool no longer exists in Redis.
   */
  async rebuildPool(sku: { productId: string; skuId: string; open: number; paid: number }, sales: { saleId: string; open: number; paid: number }[]): Promise<string[] | null> {
    const res = (await this.lua.run(
      'rebuild',
      [this.catalog.stock(sku.productId, sku.skuId), this.catalog.stockDirty, ...sales.map((s) => this.sales.sale(s.saleId))],
      [sku.open, sku.paid, ...sales.flatMap((s) => [s.open, s.paid])],
    )) as [number, ...string[]];
    return res[0] === 1 ? res.slice(1).map(String) : null;
  }

  /** What a request asked for: the same idempotency key with another request is refused, never replayed. */
  fingerprint(pool: PoolRef, quantity: number): string {
    return `${this.poolId(pool)}|${quantity}`;
  }

  poolId(p: PoolRef): string {
    return p.kind === 'sale' ? `sale:${p.saleId}` : `sku:${p.productId}:${p.skuId}`;
  }

  poolKey(p: PoolRef): string {
    return p.kind === 'sale' ? this.sales.sale(p.saleId) : this.catalog.stock(p.productId, p.skuId);
  }
}

function toRecord(h: Record<string, string>): OrderRecord {
  return {
    id: h.id!,
    roomId: h.roomId!,
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
  };
}
