import { Router } from 'express';
import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { on } from '../edge/socket.ts';
import { Ticker } from '../kernel/ticker.ts';
import { AgencyParams } from '@hawker/protocol';
import { RoomIdParams } from '@hawker/protocol';
import type { RoomService } from '../rooms/service.ts';
import { analyticsKeys } from './keys.ts';
import { AnalyticsService } from './service.ts';
import type { LedgerOrders } from '../ledger/index.ts';

export { analyticsKeys, type AnalyticsKeys } from './keys.ts';

/**
 * Room and agency commerce analytics: `product:impression` / `product:click` socket events, batched per tick, and
 * GET /api/rooms/:roomId/analytics, GET /api/agencies/:agencyId/analytics.
 */
export function createAnalytics(
  ctx: HawkerContext,
  { rest }: Auth,
  rooms: RoomService,
  catalog: CatalogStore,
  ledger: LedgerOrders,
): Domain & { service: AnalyticsService; onConnection(socket: HawkerSocket): void } {
  const log = ctx.log.child({ module: 'analytics' });
  const service = new AnalyticsService(ctx.redis, analyticsKeys(ctx.config.REDIS_KEY_PREFIX), rooms, catalog, ledger);
  const r = Router();
  r.get(
    '/api/rooms/:roomId/analytics',
    rest({ params: RoomIdParams }, ({ params, principal }) => service.room(principal, params.roomId)),
  );
  r.get(
    '/api/agencies/:agencyId/analytics',
    rest({ params: AgencyParams }, ({ params, principal }) => service.agency(principal, params.agencyId)),
  );
  ctx.app.use(r);
  const ticker = new Ticker('analytics', ctx.config.COMMERCE_TICK_MS, log, () => service.flush()).start();
  return {
    name: 'analytics',
    service,
    onConnection(socket) {
      on(socket, 'product:impression', log, ({ roomId, productId }) => service.impression(socket, roomId, productId));
      on(socket, 'product:click', log, ({ roomId, productId }) => service.click(socket, roomId, productId));
    },
    async close() {
      await ticker.stop();
      await service.flush(); // the last batch
    },
  };
}
