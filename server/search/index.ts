import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { RoomHook } from '../rooms/index.ts';
import { LiveView, type LiveRoomSource, type RoomProductSource } from './live.ts';
import { searchRoutes } from './routes.ts';
import { type ClipIndexSource, SearchService, type StockLeft } from './service.ts';
import { SearchStore } from './store.ts';

export { LiveView, LIVE_ROOMS_SCANNED, type LiveSnapshot } from './live.ts';
export { SearchService, type ClipIndexSource, type StockLeft } from './service.ts';
export { SearchStore, type ProductDoc, type CreatorDoc } from './store.ts';
export { docTerms, PRODUCT_TERMS_VERSION, productTerms, queryTerms, SEARCH_DESCRIPTION_CHARS } from './terms.ts';

/**
 * The search domain (issue 19): the index of shop products, creators and rooms in PostgreSQL (migration 0010), GET
 * /api/search and POST /api/search/clicks. The node feeds it product changes (the shops service's change listener)
 * and room lifecycle changes (its room hook).
 */
export function createSearch(
  ctx: HawkerContext,
  auth: Auth,
  deps: { rooms: LiveRoomSource; roomProducts: RoomProductSource; stock: StockLeft | null; clips?: ClipIndexSource | null },
): Domain & { service: SearchService; hook: RoomHook } {
  const log = ctx.log.child({ module: 'search' });
  const live = new LiveView(deps.rooms, deps.roomProducts);
  const service = new SearchService(new SearchStore(ctx.dbBulk), live, deps.stock, log, deps.clips ?? null);
  ctx.app.use(searchRoutes(service, auth));
  service.startProductCatchUp();
  const hook: RoomHook = {
    name: 'search',
    // Low: indexing is bookkeeping, after every feature that acts on the room.
    priority: -100,
    onScheduled: (room) => service.roomChanged(room),
    onLive: (room) => service.roomChanged(room),
    onEnded: (roomId) => service.roomEnded(roomId),
  };
  return { name: 'search', service, hook, close: () => service.close() };
}
