import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { RoomService } from '../rooms/service.ts';
import { catalogRoutes } from './routes.ts';
import { CatalogService } from './service.ts';
import { stockTick } from './stockTicker.ts';
import { CatalogStore } from './store.ts';

export { catalogKeys, CatalogStore, type CatalogKeys } from './store.ts';
export { CatalogService } from './service.ts';

/**
 * The catalog domain: products and SKU stock per room (REST), the pinned product (REST, `product:pinned` push, join
 * snapshot slot `pinned`), and the live stock ticker that coalesces every stock change into one packet per room per
 * tick. When a room ends, list-price selling stops.
 */
export function createCatalog(ctx: HawkerContext, auth: Auth, rooms: RoomService): Domain & { service: CatalogService } {
  const log = ctx.log.child({ module: 'catalog' });
  const store = new CatalogStore(ctx.redis, ctx.config.REDIS_KEY_PREFIX);
  const service = new CatalogService(store, rooms, ctx.io);
  ctx.app.use(catalogRoutes(service, auth));
  rooms.hooks.add({
    name: 'catalog',
    snapshot: async (room) => ({ pinned: await store.pinnedCard(room.id) }),
    onEnded: (roomId) => store.closeRoom(roomId),
  });
  const ticker = new Ticker('stock', ctx.config.COMMERCE_TICK_MS, log, () => stockTick(ctx.redis, store.keys, ctx.io)).start();
  return {
    name: 'catalog',
    service,
    close: () => ticker.stop(),
  };
}
