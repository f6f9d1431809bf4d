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
import { type AudienceSource, AnalyticsService } from './service.ts';
import type { LedgerOrders } from '../ledger/index.ts';
import { AgencyDashboards, type CreatorNames } from './dashboard.ts';

export { analyticsKeys, type AnalyticsKeys } from './keys.ts';
export { AgencyDashboards, type CreatorNames } from './dashboard.ts';
export type { AudienceSource } from './service.ts';

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
  audience: AudienceSource | null = null,
): Domain & { service: AnalyticsService; onConnection(socket: HawkerSocket): void } {
  const log = ctx.log.child({ module: 'analytics' });
  const service = new AnalyticsService(ctx.redis, analyticsKeys(ctx.config.REDIS_KEY_PREFIX), rooms, catalog, ledger, audience);
  const r = Router();
  r.get(
    '/api/rooms/:roomId/analytics',
    rest({ params: RoomIdParams }, ({ params, principal }) => service.room(principal, params.roomId)),
  );
  r.get(
    '/api/rooms/:roomId/summary',
    rest({ params: RoomIdParams }, ({ params, principal }) => service.summary(principal, params.roomId)),
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

/**
 * The agency dashboard's push (issue 19 item 6): `dashboard:watch` / `dashboard:unwatch` on a staff connection, and the
 * tick that sends `dashboard:update` when the figures changed (AgencyDashboards).
 */
export function createDashboard(
  ctx: HawkerContext,
  rooms: RoomService,
  ledger: LedgerOrders,
  creatorNames: CreatorNames,
): Domain & { dashboards: AgencyDashboards; onConnection(socket: HawkerSocket): void } {
  const log = ctx.log.child({ module: 'dashboard' });
  const dashboards = new AgencyDashboards(rooms, ledger, creatorNames, log);
  const ticker = new Ticker('dashboard', ctx.config.DASHBOARD_TICK_MS, log, () => dashboards.tick()).start();
  return {
    name: 'dashboard',
    dashboards,
    onConnection(socket) {
      socket.on('disconnect', () => dashboards.unwatch(socket));
      on(socket, 'dashboard:watch', log, ({ agencyId }) => dashboards.watch(socket, agencyId));
      on(socket, 'dashboard:unwatch', log, ({ agencyId }) => {
        dashboards.unwatch(socket, agencyId);
        return { agencyId };
      });
    },
    async close() {
      await ticker.stop();
    },
  };
}
