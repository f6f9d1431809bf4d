import type { HawkerIo } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { Principal } from '@hawker/protocol';
import type {
  AdjustStockBody,
  CreateProductBody,
  PinnedProduct,
  PriceChange,
  Product,
  ProductPriceChanged,
  UpdateProductBody,
} from '@hawker/protocol';
import type { Room } from '@hawker/protocol';
import { roomChannel } from '../kernel/channels.ts';
import type { RoomService } from '../rooms/service.ts';
import type { CatalogStore, ShopProductSource } from './store.ts';
import type { SelectionTerms } from '../selection/terms.ts';

/** What selecting needs of shops: the product and its shop's owner (server/shops, PostgreSQL). */
export interface ShopProductOwner extends ShopProductSource {
  owner(shopId: string): Promise<string | null>;
}

/** Refuses removing a product that something still depends on (e.g. a scheduled flash sale); throws an AppError. */
export type RemovalGuard = (roomId: string, productId: string) => Promise<void>;

/**
 * A room's catalog and its "now explaining" pin. Managers of the room (creator, its agency, admins: edge/policy.ts) write;
 * anyone signed in reads. Pins are pushed to the whole room at once (one packet per pin, not per viewer).
 */
export class CatalogService {
  private readonly removalGuards: RemovalGuard[] = [];
  /**
   * Told after a room's own product is edited (issue 19: the search docs of clips showing it follow its title). They
   * must not throw; the edit is answered whatever they do.
   */
  readonly editListeners: ((roomId: string, productId: string) => void)[] = [];

  constructor(
    readonly store: CatalogStore,
    private readonly rooms: RoomService,
    private readonly io: HawkerIo,
    private readonly shops: ShopProductOwner | null = null,
    private readonly terms: SelectionTerms | null = null,
  ) {}

  /**
   * Selects a shop product into the room's list (before or during the live): who may is the policy's
   * (canSelectIntoRoom), whether the room's creator may sell it is selection's (termsFor non-null, else FORBIDDEN and
   * nothing changes). Archived products are refused (CONFLICT); unknown ones NOT_FOUND. Idempotent.
   */
  async select(p: Principal, roomId: string, productId: string): Promise<Product> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(
      policy.canSelectIntoRoom(p, room),
      "Only the room's creator, its agency's owner and moderators, or an admin select products into it",
    );
    if (room.status === 'ended') throw AppError.conflict('This live has ended; its catalog is closed');
    const product = await this.shops?.product(productId);
    if (!product || !this.shops || !this.terms) throw AppError.notFound(`Product ${productId}`);
    if (product.status !== 'active') throw AppError.conflict('The product is archived: it cannot be selected');
    const owner = await this.shops.owner(product.shopId);
    const terms =
      owner &&
      (await this.terms.termsFor(
        { creatorId: room.creatorId, agencyId: room.agencyId },
        { shopId: product.shopId, productId, shopOwnerId: owner },
      ));
    if (!terms) throw AppError.forbidden(`Product ${productId} is not open to this room's creator: apply for it or choose another`);
    return this.store.select(roomId, productId, product.shopId, p.userId);
  }

  /** Takes a selected shop product off the room's list (its shared stock keeps selling elsewhere); unpins it. */
  async deselect(p: Principal, roomId: string, productId: string): Promise<{ removed: true }> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(
      policy.canSelectIntoRoom(p, room),
      "Only the room's creator, its agency's owner and moderators, or an admin take products off it",
    );
    if (!(await this.store.selectedShop(roomId, productId))) throw AppError.notFound(`Selected product ${productId} in room ${roomId}`);
    for (const guard of this.removalGuards) await guard(roomId, productId);
    const { wasPinned } = await this.store.remove(roomId, productId);
    if (wasPinned) this.io.to(roomChannel(roomId)).emit('product:unpinned', { roomId, productId });
    return { removed: true };
  }

  /** Lets another domain veto product removal (flash sales do while a sale of the product is pending). */
  addRemovalGuard(guard: RemovalGuard): void {
    this.removalGuards.push(guard);
  }

  async create(p: Principal, roomId: string, body: CreateProductBody): Promise<Product> {
    await this.managedOpenRoom(p, roomId);
    return this.store.create(roomId, body);
  }

  async list(roomId: string): Promise<Product[]> {
    await this.rooms.store.mustGet(roomId);
    return this.store.list(roomId);
  }

  async get(roomId: string, productId: string): Promise<Product> {
    return this.store.mustGet(roomId, productId);
  }

  /** Edits a room's own product; a new price is pushed to the room (`product:price`, which the recording's timeline keeps). */
  async update(p: Principal, roomId: string, productId: string, body: UpdateProductBody): Promise<Product> {
    await this.managedOpenRoom(p, roomId);
    const before = body.price === undefined ? null : await this.store.get(roomId, productId);
    const after = await this.store.update(roomId, productId, body);
    if (before && before.price !== after.price) {
      this.pushPrice(roomId, productId, [{ skuId: null, price: after.price, previousPrice: before.price }], after.updatedAt);
    }
    // Viewers' cards, bags and sheets show the product as it is now (title, pictures, prices).
    this.io.to(roomChannel(roomId)).emit('product:updated', { roomId, product: after });
    for (const l of this.editListeners) l(roomId, productId);
    return after;
  }

  /**
   * A shop repriced SKUs of one of its products (server/shops, after commit): every room whose list has the product
   * gets `product:price`. Rooms that took it off their list, or never selected it, get nothing.
   */
  async shopPricesChanged(productId: string, changes: readonly PriceChange[], at = Date.now()): Promise<void> {
    if (changes.length === 0) return;
    for (const roomId of await this.store.roomsOf(productId)) {
      if (await this.store.selectedShop(roomId, productId)) this.pushPrice(roomId, productId, changes, at);
    }
  }

  private pushPrice(roomId: string, productId: string, changes: readonly PriceChange[], at: number): void {
    const push: ProductPriceChanged = { roomId, productId, changes: [...changes], at };
    this.io.to(roomChannel(roomId)).emit('product:price', push);
  }

  /**
   * A shop's products changed (the shops service's change listener, wired in server/domains.ts): each room that has
   * one on its list is pushed the product as it shows it now (`product:updated`: new prices reach viewers at once).
   */
  async productsChanged(productIds: readonly string[]): Promise<void> {
    for (const productId of productIds) {
      for (const roomId of await this.store.roomsOf(productId)) {
        const product = await this.store.get(roomId, productId);
        if (product) this.io.to(roomChannel(roomId)).emit('product:updated', { roomId, product });
      }
    }
  }

  /** Shop settings do not show in rooms (ShopChangeListener). */
  async shopChanged(): Promise<void> {}

  async adjustStock(p: Principal, roomId: string, productId: string, body: AdjustStockBody): Promise<Product> {
    await this.managedOpenRoom(p, roomId);
    return this.store.adjustStock(roomId, productId, body.skuId, body.delta);
  }

  async remove(p: Principal, roomId: string, productId: string): Promise<{ removed: true }> {
    await this.managedRoom(p, roomId);
    await this.store.mustGet(roomId, productId);
    for (const guard of this.removalGuards) await guard(roomId, productId);
    const { wasPinned } = await this.store.remove(roomId, productId);
    if (wasPinned) this.io.to(roomChannel(roomId)).emit('product:unpinned', { roomId, productId });
    return { removed: true };
  }

  async pin(p: Principal, roomId: string, productId: string): Promise<PinnedProduct> {
    await this.managedOpenRoom(p, roomId);
    const pinned = await this.store.pin(roomId, productId);
    this.io.to(roomChannel(roomId)).emit('product:pinned', pinned);
    return pinned;
  }

  async unpin(p: Principal, roomId: string): Promise<{ productId: string | null }> {
    await this.managedRoom(p, roomId);
    const productId = await this.store.unpin(roomId);
    if (productId) this.io.to(roomChannel(roomId)).emit('product:unpinned', { roomId, productId });
    return { productId };
  }

  private async managedRoom(p: Principal, roomId: string): Promise<Room> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(policy.canManageRoom(p, room), "Only the room's creator, its agency or an admin can manage its products");
    return room;
  }

  private async managedOpenRoom(p: Principal, roomId: string): Promise<Room> {
    const room = await this.managedRoom(p, roomId);
    if (room.status === 'ended') throw AppError.conflict('This live has ended; its catalog is closed');
    return room;
  }
}
