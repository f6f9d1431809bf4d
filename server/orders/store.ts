import type { Redis } from 'ioredis';
import { analyticsKeys, type AnalyticsKeys } from '../analytics/keys.ts';
import { catalogKeys, type CatalogKeys } from '../catalog/store.ts';
import { AppError } from '../errors.ts';
import { saleKeys, type SaleKeys } from '../flash-sale/store.ts';
import { LuaScripts } from '../infra/lua.ts';
import type { ListOrdersQuery, Order, OrderStatus } from '../protocol/commerce.ts';
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
  /** Sorted set of non-final orders by payment deadline (the supervisor's work list). */
  deadlines: `${p}orders:deadlines`,
  /** Sorted set of reserved orders whose payment job is not known to be queued yet, by creation time. */
  unqueued: `${p}orders:unqueued`,
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
}

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
  private readonly lua: LuaScripts<'reserve' | 'transition'>;
  private readonly catalog: CatalogKeys;
  private readonly sales: SaleKeys;
  private readonly stats: AnalyticsKeys;
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
    this.lua = new LuaScripts(redis, 'orders', new URL('./lua/', import.meta.url), ['reserve', 'transition']);
  }

  /**
   * Reserves stock for an order (lua/reserve.lua). Resolves with the order (new, or the one an earlier request with
   * the same idempotency key created); throws an orderRefusal CONFLICT (nothing changed) otherwise.
   */
  async reserve(r: ReserveRequest): Promise<{ order: Order; replayed: boolean }> {
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
        k.unqueued,
        k.byBuyer(r.buyerId),
        k.byRoom(r.roomId),
        this.catalog.stockDirty,
        statsRoom,
        r.agencyId ? this.stats.agency(r.agencyId) : statsRoom,
        k.events,
        this.rooms.room(r.roomId),
      ],
      [
        orderId,
        r.buyerId,
        r.quantity,
        `${poolId}|${r.quantity}`,
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
        const order = await this.get(String(res[1]));
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
  async transition(order: string | OrderRecord, action: TransitionAction, opts: { reason?: string; chargeId?: string } = {}): Promise<{ changed: boolean; status: OrderStatus }> {
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
        k.unqueued,
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
    const { agencyId: _a, poolKind: _p, ...order } = rec;
    return order;
  }

  async record(orderId: string): Promise<OrderRecord | null> {
    const h = await this.redis.hgetall(this.keys.order(orderId));
    return h.id ? toRecord(h) : null;
  }

  listByBuyer(buyerId: string, q: ListOrdersQuery): Promise<Order[]> {
    return this.list(this.keys.byBuyer(buyerId), q);
  }

  listByRoom(roomId: string, q: ListOrdersQuery): Promise<Order[]> {
    return this.list(this.keys.byRoom(roomId), q);
  }

  /** Non-final orders whose deadline (or re-check time) is at or before `now`. */
  due(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.deadlines, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Moves a non-final order's next supervisor check to `at` (no-op if it became final meanwhile). */
  async recheckAt(orderId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.deadlines, 'XX', at, orderId);
  }

  /** Reserved orders created before `before` whose payment job was not confirmed queued. */
  unqueued(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.unqueued, '-inf', before, 'LIMIT', 0, limit);
  }

  /** The order's payment job is queued (BullMQ keeps it until done). */
  async markQueued(orderId: string): Promise<void> {
    await this.redis.zrem(this.keys.unqueued, orderId);
  }

  private async list(key: string, q: ListOrdersQuery): Promise<Order[]> {
    // Read a bounded window and filter: status filtering may need more than `limit` ids.
    const max = q.before === undefined ? '+inf' : `(${q.before}`;
    const ids = await this.redis.zrevrangebyscore(key, max, '-inf', 'LIMIT', 0, q.status ? Math.min(q.limit * 10, 2_000) : q.limit);
    const orders = await Promise.all(ids.map((id) => this.get(id)));
    return orders.filter((o): o is Order => o !== null && (!q.status || o.status === q.status)).slice(0, q.limit);
  }

  private poolId(p: PoolRef): string {
    return p.kind === 'sale' ? `sale:${p.saleId}` : `sku:${p.productId}:${p.skuId}`;
  }

  private poolKey(p: PoolRef): string {
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
  };
}
