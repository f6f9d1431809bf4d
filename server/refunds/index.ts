import type { Auth } from '../auth/index.ts';
import { userChannel } from '../kernel/channels.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { LedgerHandle } from '../ledger/index.ts';
import type { MirrorableOrder } from '../orders/store.ts';
import type { PaymentGateway } from '../payments/gateway.ts';
import type { RoomService } from '../rooms/service.ts';
import type { ShopStock } from '../stock/shopStock.ts';
import { refundRoutes } from './routes.ts';
import { RefundService } from './service.ts';
import { RefundStore } from './store.ts';

export { RefundService } from './service.ts';

/**
 * After payment (issue 16, items 1, 2 and 7; docs/commerce.md "After payment: cancel and refunds"): staff cancel,
 * merchant refunds through the gateway, buyers' refund requests, the merchant audit reader, and the retry pass that
 * completes refunds whose gateway outcome was unknown (every REFUND_RETRY_MS, on every node: the same key makes
 * concurrent retries harmless).
 */
export function createRefunds(
  ctx: HawkerContext,
  auth: Auth,
  deps: {
    ledger: LedgerHandle;
    orders: { mirror(order: MirrorableOrder): Promise<unknown> };
    gateway: PaymentGateway | null;
    shopStock: ShopStock | null;
    rooms: RoomService;
  },
): Domain & { service: RefundService } {
  const log = ctx.log.child({ module: 'refunds' });
  const store = new RefundStore(ctx.db);
  const service = new RefundService(
    store,
    {
      ledger: deps.ledger.orders,
      mirror: (order) => deps.orders.mirror(order),
      gateway: deps.gateway,
      returnUnits: deps.shopStock ? (productId, skuId, units, claim) => deps.shopStock!.returnUnits(productId, skuId, units, claim) : null,
      rooms: deps.rooms,
      push: (buyerId, update) => ctx.io.to(userChannel(buyerId)).emit('order:refund', update),
      log,
    },
    ctx.config,
  );
  ctx.app.use(refundRoutes(service, auth));
  const retryMs = ctx.config.REFUND_RETRY_MS;
  const retries = new Ticker('refund-retry', retryMs, log, async () => void (await service.retryDue(retryMs))).start();
  return { name: 'refunds', service, close: () => retries.stop() };
}
