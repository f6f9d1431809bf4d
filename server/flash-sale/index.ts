import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import type { CatalogService } from '../catalog/service.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { RoomService } from '../rooms/service.ts';
import type { SnapshotProviders } from '../rooms/snapshot.ts';
import { saleRoutes } from './routes.ts';
import { SaleService } from './service.ts';
import { SaleStore } from './store.ts';

export { saleKeys, SaleStore, type SaleKeys } from './store.ts';
export { SaleService } from './service.ts';

/**
 * The flash-sale domain: REST scheduling, the scheduler tick (started / ended pushes), the `flashSale` snapshot slot,
 * and stopping a room's sales when it ends.
 */
export function createFlashSales(
  ctx: HawkerContext,
  auth: Auth,
  rooms: RoomService,
  catalog: CatalogService,
): Domain & { service: SaleService; hook: RoomHook; snapshot: Pick<SnapshotProviders, 'flashSale'> } {
  const log = ctx.log.child({ module: 'flash-sale' });
  const store = new SaleStore(ctx.redis, ctx.config.REDIS_KEY_PREFIX, catalog.store.keys);
  const service = new SaleService(store, catalog.store, rooms, ctx.io, log, ctx.config.FLASH_SALE_DEFAULT_MAX_PER_BUYER);
  ctx.app.use(saleRoutes(service, auth));
  catalog.addRemovalGuard((roomId, productId) => service.guardProductRemoval(roomId, productId));
  const ticker = new Ticker('flash-sale', ctx.config.COMMERCE_TICK_MS, log, () => service.tick()).start();
  return {
    name: 'flash-sale',
    service,
    // The room's sales end with it (each announced). No order constraint, like the catalog's.
    hook: { name: 'flash-sale', priority: 300, onEnded: (roomId) => service.endRoom(roomId) },
    snapshot: { flashSale: (room) => service.current(room.id) },
    close: () => ticker.stop(),
  };
}
