import { access } from '../auth/access.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { AppError } from '../errors.ts';
import type { SaleStore } from '../flash-sale/store.ts';
import type { Logger } from '../infra/log.ts';
import { ImmutableMemo } from '../infra/memo.ts';
import type { Principal } from '../protocol/auth.ts';
import type { ListOrdersQuery, Order, PlaceOrderInput, PlaceOrderResult } from '../protocol/commerce.ts';
import type { RoomService } from '../rooms/service.ts';
import type { OrderStore, PoolRef } from './store.ts';

/** Rooms and sales whose immutable facts one node keeps in memory (a few hundred bytes each). */
const MEMO_SIZE = 10_000;

/** Where a freshly reserved order goes to be paid (the payments domain's BullMQ queue). */
export interface PaymentEnqueuer {
  /** Queues the order's payment job (job id = order id; queuing twice is a no-op). */
  enqueue(orderId: string): Promise<void>;
}

/**
 * Buying in a room: order placement (socket `order:place`), buyer cancellation, and order reads. Stock, limits and
 * idempotency are all decided by the reserve script; this class only resolves which pool the request targets and
 * checks who may see what. Another user's order is answered NOT_FOUND (no existence leak).
 */
export class OrderService {
  /** A room's agency never changes; its status does, and the reserve script reads that itself. */
  private readonly roomAgency: ImmutableMemo<string, { agencyId: string | null }>;
  /** A sale's room, product and SKU never change once it is scheduled. */
  private readonly saleTarget: ImmutableMemo<string, { roomId: string; productId: string; skuId: string }>;

  constructor(
    readonly store: OrderStore,
    private readonly rooms: RoomService,
    private readonly catalog: CatalogStore,
    private readonly sales: SaleStore,
    private readonly payments: PaymentEnqueuer,
    private readonly log: Logger,
  ) {
    this.roomAgency = new ImmutableMemo(MEMO_SIZE, async (roomId) => {
      const room = await this.rooms.store.get(roomId);
      return room && { agencyId: room.agencyId };
    });
    this.saleTarget = new ImmutableMemo(MEMO_SIZE, async (saleId) => {
      const sale = await this.sales.get(saleId);
      return sale && { roomId: sale.roomId, productId: sale.productId, skuId: sale.skuId };
    });
  }

  /**
   * Places an order for the caller, who must have joined the room on this connection. Resolves with the reserved order
   * (or, for a replayed idempotency key, the order that key created); refusals are orderRefusal CONFLICTs.
   *
   * This is the flash-sale hot path: besides the reserve script it reads Redis only for facts not yet in memory, so a
   * losing attempt costs one round trip. The room's status (not live yet: NOT_STARTED; ended: its pools are closed)
   * is checked inside the script, atomically with the stock.
   */
  async place(buyer: Principal, joinedRooms: ReadonlySet<string>, input: PlaceOrderInput): Promise<PlaceOrderResult> {
    if (!joinedRooms.has(input.roomId)) throw AppError.forbidden('Join the room before ordering from it');
    const [room, pool] = await Promise.all([this.roomAgency.get(input.roomId), this.resolvePool(input)]);
    if (!room) throw AppError.notFound(`Room ${input.roomId}`);
    const result = await this.store.reserve({
      buyerId: buyer.userId,
      roomId: input.roomId,
      agencyId: room.agencyId,
      pool,
      quantity: input.quantity,
      idempotencyKey: input.idempotencyKey,
    });
    if (!result.replayed) {
      // The reservation stands even if queuing fails: the order stays in the `unqueued` set and the payment supervisor
      // queues it within seconds (or it expires at its deadline, releasing its stock). It is never lost.
      await this.payments
        .enqueue(result.order.id)
        .then(() => this.store.markQueued(result.order.id))
        .catch((err: Error) => this.log.error({ err, orderId: result.order.id }, 'queuing payment failed; the supervisor will retry'));
    }
    return result;
  }

  /** The buyer cancels an order whose payment has not started; its stock returns at once. */
  async cancel(p: Principal, orderId: string): Promise<Order> {
    const rec = await this.store.record(orderId);
    if (!rec || rec.buyerId !== p.userId) throw AppError.notFound(`Order ${orderId}`);
    const res = await this.store.transition(rec, 'cancel', { reason: 'cancelled by the buyer' });
    if (!res.changed) throw AppError.conflict(`This order is ${res.status}; only a reserved order whose payment has not started can be cancelled`);
    return (await this.store.get(orderId))!;
  }

  /** An order, for its buyer or the room's managers. */
  async get(p: Principal, orderId: string): Promise<Order> {
    const order = await this.store.get(orderId);
    if (order && (order.buyerId === p.userId || (await this.managesRoom(p, order.roomId)))) return order;
    throw AppError.notFound(`Order ${orderId}`);
  }

  listMine(p: Principal, q: ListOrdersQuery): Promise<Order[]> {
    return this.store.listByBuyer(p.userId, q);
  }

  async listRoom(p: Principal, roomId: string, q: ListOrdersQuery): Promise<Order[]> {
    const room = await this.rooms.store.mustGet(roomId);
    access.require(access.canManageRoom(p, room), "Only the room's creator, its agency or an admin can see its orders");
    return this.store.listByRoom(roomId, q);
  }

  /** The pool the request targets; ids that do not belong to the room are NOT_FOUND (forged requests change nothing). */
  private async resolvePool(input: PlaceOrderInput): Promise<PoolRef> {
    if ('saleId' in input) {
      const sale = await this.saleTarget.get(input.saleId);
      if (!sale || sale.roomId !== input.roomId) throw AppError.notFound(`Flash sale ${input.saleId} in room ${input.roomId}`);
      return { kind: 'sale', saleId: input.saleId, productId: sale.productId, skuId: sale.skuId };
    }
    const product = await this.catalog.get(input.roomId, input.productId);
    if (!product || !product.skus.some((s) => s.id === input.skuId)) {
      throw AppError.notFound(`SKU ${input.skuId} of product ${input.productId} in room ${input.roomId}`);
    }
    return { kind: 'sku', productId: product.id, skuId: input.skuId };
  }

  private async managesRoom(p: Principal, roomId: string): Promise<boolean> {
    const room = await this.rooms.store.get(roomId);
    return room !== null && access.canManageRoom(p, room);
  }
}
