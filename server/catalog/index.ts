import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { Ticker } from '../kernel/ticker.ts';
import { tickCast } from '../kernel/ticks.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { RoomService } from '../rooms/service.ts';
import type { SnapshotProviders } from '../rooms/snapshot.ts';
import { catalogRoutes } from './routes.ts';
import { CatalogService, type ShopProductOwner } from './service.ts';
import type { SelectionTerms } from '../selection/terms.ts';
import { stockTick } from './stockTicker.ts';
import { CatalogStore } from './store.ts';

export { catalogKeys, CatalogStore, type CatalogKeys } from './store.ts';
export { CatalogService } from './service.ts';

/**
 * The catalog domain: products and SKU stock per room (REST), the pinned product (REST, `product:pinned` push, join
 * snapshot slot `pinned`), and the live stock ticker that coalesces every stock change into one packet per room per
 * tick. When a room ends, list-price selling stops.
 */
export function createCatalog(
  ctx: HawkerContext,
  auth: Auth,
  rooms: RoomService,
  /** Shop products rooms may select, and selection's terms (issue 15); without them only room products exist. */
  selection: { shops: ShopProductOwner; terms: SelectionTerms } | null = null,
): Domain & { service: CatalogService; hook: RoomHook; snapshot: Pick<SnapshotProviders, 'pinned'> } {
  const log = ctx.log.child({ module: 'catalog' });
  const store = new CatalogStore(ctx.redis, ctx.config.REDIS_KEY_PREFIX, ctx.config.PRODUCTS_PER_ROOM, selection?.shops ?? null);
  const service = new CatalogService(store, rooms, ctx.io, selection?.shops ?? null, selection?.terms ?? null);
  ctx.app.use(catalogRoutes(service, auth, ctx.config.PRODUCT_MAX_BYTES));
  const ticks = tickCast(ctx.io);
  const ticker = new Ticker('stock', ctx.config.COMMERCE_TICK_MS, log, () => stockTick(ctx.redis, store.keys, ctx.io, ticks)).start();
  return {
    name: 'catalog',
    service,
    // List-price selling stops when the room ends. The order scripts read the room's status themselves, so nothing is
    // sold after the end whichever hook runs first: no order constraint.
    hook: { name: 'catalog', priority: 400, onEnded: (roomId) => store.closeRoom(roomId) },
    snapshot: { pinned: (room) => store.pinnedCard(room.id) },
    close: () => ticker.stop(),
  };
}
