import type { Redis } from 'ioredis';
import { policy } from '../edge/policy.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { AppError } from '../kernel/errors.ts';
import type { Principal } from '@hawker/protocol';
import { type AgencyAnalytics, type CommerceCounters, type RoomAnalytics, type RoomSummary, SUMMARY_TOP_PRODUCTS } from '@hawker/protocol';
import type { RoomService } from '../rooms/service.ts';
import type { AnalyticsKeys } from './keys.ts';
import type { HawkerSocket } from '../kernel/context.ts';
import type { LedgerOrders } from '../ledger/index.ts';

/** How long a node trusts its cached view of a room's agency and product ids. */
const ROOM_CACHE_MS = 2_000;
const ROOM_CACHE_MAX = 10_000;

/** What a live's summary needs of the live room's domains: presence's audience and the like total. */
export interface AudienceSource {
  audience(roomId: string): Promise<{ peakViewers: number; totalViewers: number }>;
  likes(roomId: string): Promise<number>;
}

interface RoomInfo {
  at: number;
  agencyId: string | null;
  productIds: Set<string>;
}

interface Pending {
  agencyId: string | null;
  impressions: Map<string, number>;
  clicks: Map<string, number>;
}

/**
 * Commerce counters per room and per agency (what the agency console shows). Order, payment and GMV counters are
 * written by the order scripts (exact); card impressions and clicks arrive as socket events from every viewer, so they
 * are validated against the room's products, deduplicated (one impression per connection and product), summed in
 * memory and written once per tick as one pipeline of HINCRBYs: Redis load is per tick, not per viewer.
 * A node that crashes loses at most one tick of impressions and clicks, never money counters.
 */
export class AnalyticsService {
  private readonly rooms = new Map<string, RoomInfo>();
  private pending = new Map<string, Pending>();
  private readonly seen = new WeakMap<HawkerSocket, Set<string>>();
  /** Told of every counted click (the crowd pipeline, issue 19); they must not throw. */
  readonly clickListeners: ((userId: string, roomId: string, productId: string) => void)[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly keys: AnalyticsKeys,
    private readonly roomService: RoomService,
    private readonly catalog: CatalogStore,
    private readonly ledger: LedgerOrders,
    private readonly audience: AudienceSource | null = null,
  ) {}

  /** Counts a product card impression; false when this connection already counted one for the product. */
  async impression(socket: HawkerSocket, roomId: string, productId: string): Promise<{ counted: boolean }> {
    const info = await this.check(socket, roomId, productId);
    let seen = this.seen.get(socket);
    if (!seen) this.seen.set(socket, (seen = new Set()));
    const key = `${roomId}:${productId}`;
    if (seen.has(key)) return { counted: false };
    seen.add(key);
    this.add(roomId, info.agencyId, 'impressions', productId);
    return { counted: true };
  }

  /** Counts a click on a product card (the connection's event budget bounds the rate). */
  async click(socket: HawkerSocket, roomId: string, productId: string): Promise<{ counted: boolean }> {
    const info = await this.check(socket, roomId, productId);
    this.add(roomId, info.agencyId, 'clicks', productId);
    for (const l of this.clickListeners) l(socket.data.principal.userId, roomId, productId);
    return { counted: true };
  }

  /** Writes the counted impressions and clicks (analytics tick). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const m = this.redis.pipeline();
    for (const [roomId, p] of batch) {
      for (const [field, counts, prefix] of [
        ['impressions', p.impressions, 'imp'],
        ['clicks', p.clicks, 'clk'],
      ] as const) {
        let total = 0;
        for (const [productId, n] of counts) {
          m.hincrby(this.keys.room(roomId), `${prefix}:${productId}`, n);
          total += n;
        }
        if (total === 0) continue;
        m.hincrby(this.keys.room(roomId), field, total);
        if (p.agencyId) m.hincrby(this.keys.agency(p.agencyId), field, total);
      }
    }
    const results = (await m.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0]!;
  }

  async room(p: Principal, roomId: string): Promise<RoomAnalytics> {
    const room = await this.roomService.store.mustGet(roomId);
    policy.require(policy.canSeeRoomAnalytics(p, room), "Only the room's creator, its agency or an admin can see its analytics");
    const [h, money] = await Promise.all([this.redis.hgetall(this.keys.room(roomId)), this.ledger.moneyCounters({ roomId })]);
    const products: RoomAnalytics['products'] = {};
    for (const [field, v] of Object.entries(h)) {
      const m = /^(imp|clk):(.+)$/.exec(field);
      if (!m) continue;
      const entry = (products[m[2]!] ??= { impressions: 0, clicks: 0 });
      entry[m[1] === 'imp' ? 'impressions' : 'clicks'] = Number(v);
    }
    return { roomId, ...counters(h), ...money, products };
  }

  /**
   * A live's summary (GET /api/rooms/:roomId/summary): audience and best sellers for anyone signed in; orders and money
   * only for those who see the room's analytics (policy.canSeeRoomAnalytics), null for the others.
   */
  async summary(p: Principal, roomId: string): Promise<RoomSummary> {
    const room = await this.roomService.store.mustGet(roomId);
    const staff = policy.canSeeRoomAnalytics(p, room);
    const [audience, likes, top, money] = await Promise.all([
      this.audience?.audience(roomId) ?? { peakViewers: 0, totalViewers: 0 },
      this.audience?.likes(roomId) ?? 0,
      this.ledger.topProducts(roomId, SUMMARY_TOP_PRODUCTS),
      staff ? this.ledger.moneyCounters({ roomId }) : null,
    ]);
    return {
      roomId,
      status: room.status,
      ...audience,
      likes,
      orders: money?.orders ?? null,
      paidOrders: money?.paidOrders ?? null,
      gmv: money?.gmv ?? null,
      topProducts: top.map((x) => ({ ...x, gmv: staff ? x.gmv : null })),
    };
  }

  async agency(p: Principal, agencyId: string): Promise<AgencyAnalytics> {
    policy.require(policy.canModerateAgency(p, agencyId), "Only the agency's owner, its moderators or an admin can see its analytics");
    const [h, money] = await Promise.all([this.redis.hgetall(this.keys.agency(agencyId)), this.ledger.moneyCounters({ agencyId })]);
    return { agencyId, ...counters(h), ...money };
  }

  private add(roomId: string, agencyId: string | null, kind: 'impressions' | 'clicks', productId: string): void {
    let p = this.pending.get(roomId);
    if (!p) this.pending.set(roomId, (p = { agencyId, impressions: new Map(), clicks: new Map() }));
    p[kind].set(productId, (p[kind].get(productId) ?? 0) + 1);
  }

  /** The socket must be in the room, and the product one of the room's (bogus ids would grow the counters hash). */
  private async check(socket: HawkerSocket, roomId: string, productId: string): Promise<RoomInfo> {
    if (!socket.data.rooms.has(roomId)) throw AppError.forbidden('Join the room first');
    let info = this.rooms.get(roomId);
    if (!info || Date.now() - info.at > ROOM_CACHE_MS) {
      const [room, ids] = await Promise.all([this.roomService.store.mustGet(roomId), this.catalog.productIds(roomId)]);
      info = { at: Date.now(), agencyId: room.agencyId, productIds: new Set(ids) };
      this.rooms.delete(roomId);
      if (this.rooms.size >= ROOM_CACHE_MAX) this.rooms.delete(this.rooms.keys().next().value!);
      this.rooms.set(roomId, info);
    }
    if (!info.productIds.has(productId)) throw AppError.notFound(`Product ${productId} in room ${roomId}`);
    return info;
  }
}

/** Engagement counters (Redis, batched per tick); the money figures come from the ledger (moneyCounters). */
function counters(h: Record<string, string>): Pick<CommerceCounters, 'impressions' | 'clicks'> {
  const n = (k: string) => Number(h[k] ?? 0);
  return { impressions: n('impressions'), clicks: n('clicks') };
}
