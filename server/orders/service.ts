import { policy } from '../edge/policy.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { AppError } from '../kernel/errors.ts';
import { ErrorCode } from '@hawker/protocol';
import type { SaleStore } from '../flash-sale/store.ts';
import type { Logger } from '../kernel/log.ts';
import { FreshMemo, ImmutableMemo } from '../kernel/memo.ts';
import type { Principal } from '@hawker/protocol';
import type {
  ListOrdersQuery,
  Order,
  OrderHistory,
  OrderList,
  PlaceOrderInput,
  PlaceOrderResult,
  PlaceShopOrderBody,
} from '@hawker/protocol';
import type { SelectionTerms, Seller, SellerTerms } from '../selection/terms.ts';
import type { ShopStore } from '../shops/store.ts';
import type { OrderLineSnapshot } from '../ledger/orders.ts';
import type { ReserveRequest } from './store.ts';
import type { RoomService } from '../rooms/service.ts';
import { Batcher, CursorError, toWire, type LedgerOrders, type NewOrder, type OrderPage } from '../ledger/index.ts';
import { orderRefusal } from './errors.ts';
import { ReplayedUnknownOrder, type OrderRecord, type OrderStore, type PoolRef } from './store.ts';

/** Rooms and sales whose immutable facts one node keeps in memory (a few hundred bytes each). */
const MEMO_SIZE = 10_000;
/**
 * How long a shop product's facts and a seller's terms are believed on the order path (every attempt of a flash sale
 * reads them, most of them to be told SOLD_OUT): a second, so a sale of a shop product costs PostgreSQL nothing per
 * losing attempt.
 */
const SHOP_FACTS_TTL_MS = 1_000;

/** Where a freshly reserved order goes to be paid (the payments domain's BullMQ queue). */
export interface PaymentEnqueuer {
  /** Queues the order's payment job (job id = order id; queuing twice is a no-op). */
  enqueue(orderId: string): Promise<void>;
}

/**
 * Whether a user is banned from a room, directly or through its agency (moderation's rule, given by the assembly:
 * orders never import moderation).
 */
export interface BanCheck {
  isBanned(room: { id: string; agencyId: string | null; creatorId: string }, userId: string): Promise<boolean>;
  /**
   * The same rule's Redis sets (the room's bans, its agency's), for the reserve script to check atomically with the
   * stock, before anything else; the creator's exemption is the caller's.
   */
  banKeys(room: { id: string; agencyId: string | null }): { room: string; agency: string };
}

/**
 * Buying in a room: order placement (socket `order:place`), buyer cancellation, and order reads. Stock, limits and
 * idempotency are decided by the reserve script in Redis (fast, atomic); the order exists for anyone only once its row
 * is committed to the PostgreSQL ledger, the system of record. Order of writes (docs/commerce.md, "Ledger"):
 * reserve in Redis -> commit the ledger row (group commit) -> acknowledge, announce, queue the payment job. A crash or
 * a ledger outage in between leaves an unconfirmed reservation that was never acknowledged; the supervisor settles it
 * (commits nothing new: it writes a cancelled tombstone under the same key, then releases the stock). Another user's
 * order is answered NOT_FOUND (no existence leak).
 */
export class OrderService {
  /** A room's agency and creator never change; its status does, and the reserve script reads that itself. */
  private readonly roomAgency: ImmutableMemo<string, { agencyId: string | null; creatorId: string }>;
  /** A sale's room, product and SKU never change once it is scheduled. */
  private readonly saleTarget: ImmutableMemo<string, { roomId: string; productId: string; skuId: string; shopId: string | null }>;

  /** A shop product's shop, owner, status and SKU ids, believed for SHOP_FACTS_TTL_MS (shopCheck). */
  private readonly shopFacts: FreshMemo<string, { shopId: string; ownerId: string; active: boolean; skuIds: Set<string> } | null>;
  /** Selection's answer per (product, seller), believed for SHOP_FACTS_TTL_MS. */
  private readonly sellerTerms: FreshMemo<string, SellerTerms | null>;

  /** Marks payment jobs as queued in the ledger, many orders per statement. */
  private readonly queuedMarks: Batcher<string, undefined>;

  constructor(
    readonly store: OrderStore,
    readonly ledger: LedgerOrders,
    private readonly rooms: RoomService,
    private readonly catalog: CatalogStore,
    private readonly sales: SaleStore,
    private readonly payments: PaymentEnqueuer,
    private readonly bans: BanCheck,
    private readonly log: Logger,
    /** Shop products (PostgreSQL) and who may sell them at what commission (selection): shop orders' lines. */
    private readonly shops: ShopStore | null = null,
    private readonly terms: SelectionTerms | null = null,
    /** Seeds a shop product's pools from PostgreSQL (server/stock/shopStock.ts) when an order finds none. */
    private readonly reseed: ((productId: string) => Promise<void>) | null = null,
  ) {
    this.roomAgency = new ImmutableMemo(MEMO_SIZE, async (roomId) => {
      const room = await this.rooms.store.get(roomId);
      return room && { agencyId: room.agencyId, creatorId: room.creatorId };
    });
    this.queuedMarks = new Batcher(
      async (ids) => {
        await this.ledger.markQueued(ids);
        return ids.map(() => undefined);
      },
      { maxBatch: 500, maxInFlight: 1 },
    );
    this.shopFacts = new FreshMemo(MEMO_SIZE, SHOP_FACTS_TTL_MS, async (productId) => {
      if (!this.shops) return null;
      const [head, skus] = await Promise.all([this.shops.productHead(this.shops.db, productId), this.shops.skus(this.shops.db, productId)]);
      return (
        head && { shopId: head.shopId, ownerId: head.ownerId, active: head.status === 'active', skuIds: new Set(skus.map((k) => k.id)) }
      );
    });
    this.sellerTerms = new FreshMemo(MEMO_SIZE, SHOP_FACTS_TTL_MS, async (key) => {
      const [productId, shopId, shopOwnerId, creatorId, agencyId] = JSON.parse(key) as [string, string, string, string, string | null];
      return (await this.terms?.termsFor({ creatorId, agencyId }, { shopId, productId, shopOwnerId })) ?? null;
    });
    this.saleTarget = new ImmutableMemo(MEMO_SIZE, async (saleId) => {
      const sale = await this.sales.get(saleId);
      if (!sale) return null;
      const shopId = await this.catalog.selectedShop(sale.roomId, sale.productId);
      return { roomId: sale.roomId, productId: sale.productId, skuId: sale.skuId, shopId };
    });
  }

  /**
   * Places an order for the caller, who must have joined the room on this connection and not be banned from it (a ban
   * refuses the order whatever way the connection is in the room: a join, a console's media session, a ban that came
   * after). Resolves with the reserved order (or, for a replayed idempotency key, the order that key created); refusals
   * are orderRefusal CONFLICTs, a banned buyer FORBIDDEN.
   *
   * This is the flash-sale hot path: with the room's and sale's facts in memory, an attempt is one Redis command, the
   * reserve script, which checks the buyer's bans first (except for a shop product, checked here), then the room's
   * status (not live yet: NOT_STARTED; ended: its pools are closed), atomically with the stock.
   */
  async place(buyer: Principal, joinedRooms: ReadonlySet<string>, input: PlaceOrderInput): Promise<PlaceOrderResult> {
    if (!joinedRooms.has(input.roomId)) throw AppError.forbidden('Join the room before ordering from it');
    const [room, target] = await Promise.all([this.roomAgency.get(input.roomId), this.resolvePool(input)]);
    if (!room) throw AppError.notFound(`Room ${input.roomId}`);
    // The ban rule (moderation's; a room's creator is never banned in it). A shop product's checks below come after
    // it, so it is asked here for those; otherwise the reserve script checks it first thing, in the same round trip
    // as the stock (a flash sale's every attempt: one Redis command instead of two, no second round trip).
    const bans = buyer.userId === room.creatorId ? null : this.bans.banKeys({ id: input.roomId, agencyId: room.agencyId });
    if (bans && target.shopId && (await this.bans.isBanned({ id: input.roomId, ...room }, buyer.userId)))
      throw AppError.forbidden('You are banned from this room and cannot order from it');
    // A shop product selected into the room: sold from its shared pool, credited to the room's creator, at the
    // commission selection gives them now (fixed on the line).
    const seller = { creatorId: room.creatorId, agencyId: room.agencyId };
    const shop = target.shopId ? await this.shopCheck(target.pool.productId, target.pool.skuId, seller) : null;
    return this.reserveAndRecord(
      {
        buyerId: buyer.userId,
        roomId: input.roomId,
        agencyId: room.agencyId,
        pool: target.pool,
        quantity: input.quantity,
        idempotencyKey: input.idempotencyKey,
        channel: 'live',
        ...(shop ? { shopId: shop.shopId, creatorId: room.creatorId } : {}),
        // Checked above for a shop product.
        bans: target.shopId ? null : bans,
      },
      shop ? () => this.lineSnapshot(target.pool.productId, target.pool.skuId, seller, shop.rateBps) : null,
    );
  }

  /**
   * Places an order for a shop product outside a live (POST /api/orders): the storefront or a product link, search, or
   * a room's replay or clip (`roomId`: its creator is credited, the product must have been selected into it). Accepted
   * for any active product whether or not a room is live; a flash-sale price only inside a running sale (the reserve
   * script checks the window). The same path as `order:place`: idempotency, per-buyer limits, durable before the answer,
   * the payment queue.
   */
  async placeShop(buyer: Principal, input: PlaceShopOrderBody): Promise<PlaceOrderResult> {
    let room: { agencyId: string | null; creatorId: string } | null = null;
    if (input.roomId) {
      room = await this.roomAgency.get(input.roomId);
      const selected = room && (await this.catalog.selectedShop(input.roomId, input.productId));
      if (!room || !selected) throw AppError.notFound(`Product ${input.productId} in room ${input.roomId}`);
      if (await this.bans.isBanned({ id: input.roomId, ...room }, buyer.userId))
        throw AppError.forbidden('You are banned from this room and cannot order from it');
    }
    let pool: PoolRef = { kind: 'sku', productId: input.productId, skuId: input.skuId };
    if (input.saleId) {
      const sale = await this.saleTarget.get(input.saleId);
      if (!sale || sale.productId !== input.productId || sale.skuId !== input.skuId || (input.roomId && sale.roomId !== input.roomId))
        throw AppError.notFound(`Flash sale ${input.saleId} of SKU ${input.skuId} of product ${input.productId}`);
      pool = { kind: 'sale', saleId: input.saleId, productId: input.productId, skuId: input.skuId };
    }
    const seller: Seller | null = room ? { creatorId: room.creatorId, agencyId: room.agencyId } : null;
    const shop = await this.shopCheck(input.productId, input.skuId, seller);
    return this.reserveAndRecord(
      {
        buyerId: buyer.userId,
        roomId: input.roomId ?? null,
        agencyId: room?.agencyId ?? null,
        pool,
        quantity: input.quantity,
        idempotencyKey: input.idempotencyKey,
        channel: input.channel,
        shopId: shop.shopId,
        creatorId: room?.creatorId ?? null,
      },
      () => this.lineSnapshot(input.productId, input.skuId, seller, shop.rateBps),
    );
  }

  /**
   * Whether a shop product's SKU may be sold now, by this seller (null: no creator), and at what commission: unknown
   * product or SKU NOT_FOUND, archived ARCHIVED, not open to the seller (selection's terms) FORBIDDEN. Asked on every
   * attempt, so answered from memory for SHOP_FACTS_TTL_MS: an archive in that window is still refused, by the pool's
   * `ended` state in the reserve script (answered ARCHIVED too), and an unarchive applies at once (a remembered
   * "archived" is re-read); a rate changed in that window applies a second later.
   */
  private async shopCheck(productId: string, skuId: string, seller: Seller | null): Promise<{ shopId: string; rateBps: number | null }> {
    let facts = await this.shopFacts.get(productId);
    // A remembered "archived" is read again before it refuses: a product unarchived a moment ago sells at once. (A
    // remembered "active" needs no such care: the reserve script refuses an archived product's pool by itself.)
    if (facts && !facts.active) facts = await this.shopFacts.fresh(productId);
    if (!facts) throw AppError.notFound(`Product ${productId}`);
    if (!facts.active) throw orderRefusal('ARCHIVED', { productId });
    if (!facts.skuIds.has(skuId)) throw AppError.notFound(`SKU ${skuId} of product ${productId}`);
    if (!seller) return { shopId: facts.shopId, rateBps: null };
    const terms = await this.sellerTerms.get(JSON.stringify([productId, facts.shopId, facts.ownerId, seller.creatorId, seller.agencyId]));
    if (!terms)
      throw AppError.forbidden(`Product ${productId} is not open to this room's creator (selection terms); it cannot be sold here`);
    return { shopId: facts.shopId, rateBps: terms.rateBps };
  }

  /**
   * What a shop order's line fixes besides its price and title (which the reserve script copied from the pool,
   * atomically with the stock): the product's version, the SKU's code and values, the cover image, the seller and the
   * commission rate. Read from PostgreSQL once the units are reserved (only for orders that got stock), so it is the
   * product as it stood at that moment; an edit committed between the two reads can pair the newer version with the
   * price reserved just before it (never changes a placed order).
   */
  private async lineSnapshot(productId: string, skuId: string, seller: Seller | null, rateBps: number | null): Promise<OrderLineSnapshot> {
    const shops = this.shops!;
    const [head, skus] = await Promise.all([shops.productHead(shops.db, productId), shops.skus(shops.db, productId)]);
    const sku = skus.find((k) => k.id === skuId);
    if (!head || !sku) throw new Error(`product ${productId} or its SKU ${skuId} vanished while it was being ordered`);
    return {
      productVersion: head.version,
      skuCode: sku.code,
      options: sku.values,
      imageUrl: head.images[0] ?? '',
      creatorId: seller?.creatorId ?? null,
      agencyId: seller?.agencyId ?? null,
      commissionRateBps: rateBps,
    };
  }

  /** Reserve in Redis -> commit the ledger row -> acknowledge, announce, queue the payment (see the class comment). */
  private async reserveAndRecord(req: ReserveRequest, lineOf: (() => Promise<OrderLineSnapshot>) | null = null): Promise<PlaceOrderResult> {
    const pool = req.pool;
    const reserved = await this.store
      .reserve(req)
      .catch(async (err: unknown) => {
        // A shop SKU without a pool (its product's pools were never seeded: Redis was away when it committed). The
        // reserve script refuses RECOVERING before NO_POOL, so this Redis is not one that lost data: the durable
        // total is the whole pool. Seed it and try once more.
        if (
          req.shopId &&
          req.pool.kind === 'sku' &&
          err instanceof AppError &&
          (err.options.details as { reason?: string } | undefined)?.reason === 'ENDED'
        )
          // A shop SKU's own pool ends only when its product is archived (rooms never end it).
          throw orderRefusal('ARCHIVED', { productId: req.pool.productId });
        if (!req.shopId || !this.reseed || !(err instanceof AppError) || err.code !== ErrorCode.NOT_FOUND) throw err;
        await this.reseed(req.pool.productId);
        return this.store.reserve(req);
      })
      .catch(async (err: unknown) => {
        // A replayed key whose order ended before Redis lost data: the ledger has it (recovery restored the key only).
        if (!(err instanceof ReplayedUnknownOrder)) throw err;
        const known = await this.ledger.get(err.orderId);
        if (!known) throw AppError.unavailable('This order is being recovered; retry in a moment');
        return { order: null, known, replayed: true };
      });
    if ('known' in reserved) return { order: toWire(reserved.known), replayed: true };
    const { order: held, replayed } = reserved;
    const fingerprint = this.store.fingerprint(pool, req.quantity);
    if (replayed) {
      // Redis remembered the key. The order is the ledger's if it got there; otherwise the first attempt is still
      // committing, or failed: record it now (the same row; the ledger's unique key makes this safe to race).
      const known = await this.ledger.get(held.id);
      if (known) return { order: toWire(known), replayed: true };
    }
    const line = lineOf ? await lineOf() : null;
    const outcome = await this.ledger.record(newOrder(held, req.idempotencyKey, fingerprint, line));
    if (outcome.kind === 'existing') {
      const prior = outcome.order;
      if (prior.id !== held.id) {
        // The ledger already holds this (buyer, key): Redis forgot it (data loss before recovery caught up). Give back
        // what was just reserved; the buyer's order is the ledger's.
        await this.store
          .transition(held, 'cancel', { reason: `duplicate of ${prior.id}` })
          .catch((err: Error) =>
            this.log.error({ err, orderId: held.id }, 'releasing a duplicate reservation failed; the supervisor will settle it'),
          );
      }
      if (prior.fingerprint !== fingerprint) throw orderRefusal('IDEMPOTENCY_KEY_REUSED', { orderId: prior.id });
      await this.store.confirm([held.id]);
      // Same id: this request's own reservation, committed first by a concurrent replay of the same key.
      return { order: toWire(prior), replayed: replayed || prior.id !== held.id };
    }
    const order = outcome.order;
    // Durable: now tell the buyer's other sockets, and queue the payment. Neither can lose the order any more: the
    // supervisor queues reserved orders whose job is not marked, and expires what is never paid.
    void Promise.all([this.store.confirm([order.id]), this.store.announce(order)]).catch((err: Error) =>
      this.log.warn({ err: err.message, orderId: order.id }, 'confirming a recorded order in Redis failed; the supervisor will'),
    );
    void this.payments
      .enqueue(order.id)
      .then(() => this.queuedMarks.add(order.id))
      .catch((err: Error) => this.log.warn({ err: err.message, orderId: order.id }, 'queuing payment failed; the supervisor will retry'));
    return { order: toWire(order), replayed };
  }

  /** The buyer cancels an order whose payment has not started; its stock returns at once. */
  async cancel(p: Principal, orderId: string): Promise<Order> {
    const known = await this.ledger.get(orderId);
    if (!known || known.buyerId !== p.userId) throw AppError.notFound(`Order ${orderId}`);
    const res = await this.ledger.transition(orderId, ['reserved'], 'cancelled', { reason: 'cancelled by the buyer', actor: p.userId });
    if (!res?.changed)
      throw AppError.conflict(
        `This order is ${res?.order.status ?? known.status}; only a reserved order whose payment has not started can be cancelled`,
      );
    await this.store.mirror(res.order);
    return toWire(res.order);
  }

  /** An order, for its buyer, the room's managers and its agency's moderators, and its shop's owner and staff. */
  async get(p: Principal, orderId: string): Promise<Order> {
    const order = await this.ledger.get(orderId);
    if (order && (order.buyerId === p.userId || (await this.managesRoom(p, order.roomId)) || (await this.operatesShop(p, order.shopId))))
      return toWire(order);
    throw AppError.notFound(`Order ${orderId}`);
  }

  /** Whether `p` runs the shop of a shop product's order (issue 16: who ships it reads it and its history). */
  private async operatesShop(p: Principal, shopId: string | null | undefined): Promise<boolean> {
    if (!shopId || !this.shops) return false;
    const shop = await this.shops.shop(this.shops.db, shopId);
    if (!shop) return false;
    return policy.canOperateShop(p, { ownerId: shop.ownerId, kind: shop.kind, staff: await this.shops.staff(this.shops.db, shopId) });
  }

  /**
   * An order's history (every payment and fulfilment step, why and who), for the same people as `get`, with its
   * fulfilment and refunded total (additive, issue 16).
   */
  async history(p: Principal, orderId: string): Promise<OrderHistory> {
    const order = await this.get(p, orderId);
    return { orderId, events: await this.ledger.events(orderId), fulfilment: order.fulfilment, refundedAmount: order.refundedAmount };
  }

  /** The caller's orders across every room and channel, newest first (with `timeline=true`, each order's history). */
  listMine(p: Principal, q: ListOrdersQuery): Promise<OrderList> {
    return page(() => this.ledger.listByBuyer(p.userId, filter(q)), q.timeline ? this.ledger : null);
  }

  async listRoom(p: Principal, roomId: string, q: ListOrdersQuery): Promise<OrderList> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(policy.canModerateRoom(p, room), "Only the room's creator, its agency's staff or an admin can see its orders");
    return page(() => this.ledger.listByRoom(roomId, filter(q)), q.timeline ? this.ledger : null);
  }

  /** Every order in the agency's rooms: its owner, its moderators, admins. */
  listAgency(p: Principal, agencyId: string, q: ListOrdersQuery): Promise<OrderList> {
    policy.require(policy.canModerateAgency(p, agencyId), "Only the agency's owner, its moderators or an admin can see its orders");
    return page(() => this.ledger.listByAgency(agencyId, filter(q)), q.timeline ? this.ledger : null);
  }

  /**
   * The pool the request targets, and the shop if the product is a shop's selected into the room; ids that do not
   * belong to the room are NOT_FOUND (forged requests change nothing).
   */
  private async resolvePool(input: PlaceOrderInput): Promise<{ pool: PoolRef; shopId: string | null }> {
    if ('saleId' in input) {
      const sale = await this.saleTarget.get(input.saleId);
      if (!sale || sale.roomId !== input.roomId) throw AppError.notFound(`Flash sale ${input.saleId} in room ${input.roomId}`);
      return { pool: { kind: 'sale', saleId: input.saleId, productId: sale.productId, skuId: sale.skuId }, shopId: sale.shopId };
    }
    const product = await this.catalog.get(input.roomId, input.productId);
    if (!product?.skus.some((s) => s.id === input.skuId)) {
      throw AppError.notFound(`SKU ${input.skuId} of product ${input.productId} in room ${input.roomId}`);
    }
    return { pool: { kind: 'sku', productId: product.id, skuId: input.skuId }, shopId: product.shopId ?? null };
  }

  private async managesRoom(p: Principal, roomId: string | null): Promise<boolean> {
    if (roomId === null) return false;
    const room = await this.rooms.store.get(roomId);
    return room !== null && policy.canModerateRoom(p, room);
  }
}

/** The ledger filter for a REST query; the legacy `before=` is an upper bound on created_at, as it always was. */
function filter(q: ListOrdersQuery) {
  const to = q.before !== undefined && q.to !== undefined ? Math.min(q.before, q.to) : (q.before ?? q.to);
  return { status: q.status, from: q.from, to, limit: q.limit, cursor: q.cursor };
}

/** A page of orders on the wire; with `timelines`, each order with its history (one query for the page). */
async function page(list: () => Promise<OrderPage>, timelines: Pick<LedgerOrders, 'eventsOf'> | null = null): Promise<OrderList> {
  try {
    const res = await list();
    const events = timelines ? await timelines.eventsOf(res.orders.map((o) => o.id)) : null;
    return {
      orders: res.orders.map((o) => (events ? { ...toWire(o), timeline: events.get(o.id) ?? [] } : toWire(o))),
      nextCursor: res.nextCursor,
    };
  } catch (err) {
    if (err instanceof CursorError) throw AppError.badRequest(err.message);
    throw err;
  }
}

/** The ledger row for a reservation Redis just made. */
function newOrder(r: OrderRecord, idempotencyKey: string, fingerprint: string, line: OrderLineSnapshot | null): NewOrder {
  return {
    id: r.id,
    buyerId: r.buyerId,
    idempotencyKey,
    fingerprint,
    roomId: r.roomId,
    agencyId: r.agencyId,
    poolKind: r.poolKind,
    productId: r.productId,
    skuId: r.skuId,
    saleId: r.saleId,
    title: r.title,
    quantity: r.quantity,
    unitPrice: r.unitPrice,
    currency: r.currency,
    createdAt: r.createdAt,
    deadline: r.deadline,
    channel: r.channel,
    shopId: r.shopId,
    creatorId: r.creatorId,
    line,
  };
}
