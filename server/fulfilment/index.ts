import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { LedgerHandle } from '../ledger/index.ts';
import type { RoomService } from '../rooms/service.ts';
import type { ShopStore } from '../shops/store.ts';
import { fulfilmentRoutes } from './routes.ts';
import { type FulfilmentAnnouncer, FulfilmentService } from './service.ts';
import { FulfilmentStore } from './store.ts';

export { AUTO_COMPLETE_ACTOR, FulfilmentService, type FulfilmentAnnouncer } from './service.ts';

/**
 * The fulfilment domain (issue 16, item 3; docs/commerce.md, "After payment: fulfilment"): ship, deliver and bulk
 * shipments over REST, and every node's auto-completion ticker (FULFILMENT_TICK_MS), which completes delivered orders
 * ORDER_AUTO_COMPLETE_MS after delivery. Pushes go through the orders domain's `order:updated` stream (`announcer`);
 * webhooks through the ledger's outbox trigger.
 */
export function createFulfilment(
  ctx: HawkerContext,
  auth: Auth,
  deps: { ledger: LedgerHandle; shops: ShopStore; rooms: RoomService; announcer: FulfilmentAnnouncer },
): Domain & { service: FulfilmentService } {
  const log = ctx.log.child({ module: 'fulfilment' });
  const service = new FulfilmentService(
    new FulfilmentStore(deps.ledger.pool),
    deps.ledger.orders,
    deps.shops,
    deps.rooms,
    deps.announcer,
    ctx.config,
    log,
  );
  ctx.app.use(fulfilmentRoutes(service, auth));
  const ticker = new Ticker('order-auto-complete', ctx.config.FULFILMENT_TICK_MS, log, async () => {
    const n = await service.completeDue();
    if (n > 0) log.info({ completed: n }, 'delivered orders completed');
  }).start();
  return {
    name: 'fulfilment',
    service,
    close: () => ticker.stop(),
  };
}
