import type { HawkerIo } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { Principal } from '@hawker/protocol';
import type { AdjustStockBody, CreateProductBody, PinnedProduct, Product, UpdateProductBody } from '@hawker/protocol';
import type { Room } from '@hawker/protocol';
import { roomChannel } from '../kernel/channels.ts';
import type { RoomService } from '../rooms/service.ts';
import type { CatalogStore } from './store.ts';

/** Refuses removing a product that something still depends on (e.g. a scheduled flash sale); throws an AppError. */
export type RemovalGuard = (roomId: string, productId: string) => Promise<void>;

/**
 * A room's catalog and its "now explaining" pin. Managers of the room (creator, its agency, admins: edge/policy.ts) write;
 * anyone signed in reads. Pins are pushed to the whole room at once (one packet per pin, not per viewer).
 */
export class CatalogService {
  private readonly removalGuards: RemovalGuard[] = [];

  constructor(
    readonly store: CatalogStore,
    private readonly rooms: RoomService,
    private readonly io: HawkerIo,
  ) {}

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

  async update(p: Principal, roomId: string, productId: string, body: UpdateProductBody): Promise<Product> {
    await this.managedOpenRoom(p, roomId);
    return this.store.update(roomId, productId, body);
  }

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
