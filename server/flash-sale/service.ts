import type { HawkerIo } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import type { Principal } from '@hawker/protocol';
import type { FlashSale, ScheduleSaleBody } from '@hawker/protocol';
import { roomChannel } from '../kernel/channels.ts';
import type { RoomService } from '../rooms/service.ts';
import type { SaleStore } from './store.ts';

/**
 * Flash sales (秒杀): scheduling by the room's managers, the per-node scheduler that announces starts and ends (each
 * claimed atomically, so exactly one node pushes each), and the snapshot slot. The sale window itself is enforced by
 * the order script against Redis's clock, so selling never depends on a tick having run.
 */
export class SaleService {
  constructor(
    readonly store: SaleStore,
    private readonly catalog: CatalogStore,
    private readonly rooms: RoomService,
    private readonly io: HawkerIo,
    private readonly log: Logger,
    /** FLASH_SALE_DEFAULT_MAX_PER_BUYER: a sale's per-buyer limit when neither it nor its product sets one. */
    private readonly defaultPerBuyerLimit: number,
  ) {}

  async schedule(p: Principal, roomId: string, body: ScheduleSaleBody): Promise<FlashSale> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(policy.canManageRoom(p, room), "Only the room's creator, its agency or an admin can schedule sales");
    if (room.status === 'ended') throw AppError.conflict('This live has ended');
    const product = await this.catalog.mustGet(roomId, body.productId);
    const sale = await this.store.schedule(product, body, this.defaultPerBuyerLimit);
    this.io.to(roomChannel(roomId)).emit('sale:scheduled', sale);
    return sale;
  }

  list(roomId: string): Promise<FlashSale[]> {
    return this.store.list(roomId);
  }

  get(roomId: string, saleId: string): Promise<FlashSale> {
    return this.store.mustGet(roomId, saleId);
  }

  /** Ends a live sale now, or cancels a scheduled one; unsold units go back to the SKU. */
  async end(p: Principal, roomId: string, saleId: string): Promise<FlashSale> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(policy.canManageRoom(p, room), "Only the room's creator, its agency or an admin can end sales");
    const sale = await this.store.mustGet(roomId, saleId);
    if (sale.state === 'ended') throw AppError.conflict('This sale has already ended');
    const ended = await this.store.end(saleId, 'force', Date.now() < sale.startsAt ? 'cancelled by the host' : 'ended by the host');
    if (!ended) throw AppError.conflict('This sale has already ended');
    this.announceEnd(ended);
    return ended;
  }

  /** Snapshot slot: the live sale, else the next scheduled one, else null. */
  async current(roomId: string, now = Date.now()): Promise<FlashSale | null> {
    const active = (await this.store.active(roomId)).sort((a, b) => a.start - b.start);
    const pick = active.find((s) => s.start <= now && now < s.end) ?? active.find((s) => s.start > now);
    return pick ? this.store.get(pick.saleId) : null;
  }

  /** The room ended: stop every scheduled or live sale of it (runs on every node; the Lua claim makes it once). */
  async endRoom(roomId: string): Promise<void> {
    for (const { saleId } of await this.store.active(roomId)) {
      const ended = await this.store.end(saleId, 'force', 'the live ended');
      if (ended) this.announceEnd(ended);
    }
  }

  /** Removal guard for the catalog: a product with a scheduled or live sale stays until the sale ends. */
  async guardProductRemoval(roomId: string, productId: string): Promise<void> {
    for (const { saleId } of await this.store.active(roomId)) {
      const sale = await this.store.get(saleId);
      if (sale?.productId === productId) throw AppError.conflict(`Flash sale ${saleId} of this product is pending; end it first`);
    }
  }

  /** Scheduler tick: announce due starts, end due sales (each claim succeeds on exactly one node). */
  async tick(): Promise<void> {
    for (const saleId of await this.store.due('starts')) {
      if (!(await this.store.claimStart(saleId))) continue;
      const sale = await this.store.get(saleId);
      if (sale) this.io.to(roomChannel(sale.roomId)).emit('sale:started', sale);
    }
    for (const saleId of await this.store.due('ends')) {
      const ended = await this.store.end(saleId, 'due', 'time is up');
      if (ended) this.announceEnd(ended);
    }
  }

  private announceEnd(sale: FlashSale): void {
    this.log.info({ saleId: sale.id, roomId: sale.roomId, sold: sale.sold, reason: sale.endedReason }, 'flash sale ended');
    this.io
      .to(roomChannel(sale.roomId))
      .emit('sale:ended', { roomId: sale.roomId, saleId: sale.id, reason: sale.endedReason ?? 'ended', sold: sale.sold });
  }
}
