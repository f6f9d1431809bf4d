import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import type { CatalogStore } from '../catalog/store.ts';
import type { SaleStore } from '../flash-sale/store.ts';
import { createRedis } from '../kernel/redis.ts';
import { on } from '../edge/socket.ts';
import type { RoomService } from '../rooms/service.ts';
import { OrderEventsPusher } from './events.ts';
import { orderRoutes } from './routes.ts';
import { OrderService, type BanCheck, type PaymentEnqueuer } from './service.ts';
import { OrderStore } from './store.ts';
import type { LedgerHandle } from '../ledger/index.ts';
import { HotStateRecovery } from './recovery.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { ShopStore } from '../shops/store.ts';
import type { SelectionTerms } from '../selection/terms.ts';
import type { Registry } from 'prom-client';
import { benchRetryCounter, orderPlaceTimer, type OrderTimer } from './metrics.ts';

export { orderKeys, OrderStore, type MirrorableOrder, type OrderRecord, type TransitionAction } from './store.ts';
export { OrderService, type BanCheck, type PaymentEnqueuer } from './service.ts';

/**
 * The orders domain: `order:place` / `order:cancel` on sockets, order REST, and `order:updated` pushes to each buyer
 * (through the buyer's user channel, kernel/channels.ts).
 */
export function createOrders(
  ctx: HawkerContext,
  auth: Auth,
  deps: {
    rooms: RoomService;
    catalog: CatalogStore;
    sales: SaleStore;
    payments: PaymentEnqueuer;
    ledger: LedgerHandle;
    /** Moderation's ban rule: a banned buyer's orders are refused. */
    bans: BanCheck;
    /** The node's Prometheus registry: `hawker_orders_place_seconds` (absent: not timed). */
    metrics?: Registry;
    /** Shop products and selection terms (issue 15): shop orders on every channel. */
    shops?: ShopStore;
    terms?: SelectionTerms;
    /** Seeds shop SKU pools from PostgreSQL (node start, and recovery before it rebuilds counters). */
    shopStock?: { seedAll(): Promise<number>; sync(productIds: readonly string[]): Promise<void> };
  },
): Domain & { service: OrderService; recovery: HotStateRecovery; ready: Promise<void>; onConnection(socket: HawkerSocket): void } {
  const log = ctx.log.child({ module: 'orders' });
  const timePlace: OrderTimer = deps.metrics ? orderPlaceTimer(deps.metrics) : (place) => place();
  const step = ctx.config.BENCH_STOCK_STEP;
  if (step !== 'lua') log.warn({ step }, 'BENCH_STOCK_STEP: orders reserve stock through a benchmark baseline, not reserve.lua');
  const store = new OrderStore(
    ctx.redis,
    ctx.config.REDIS_KEY_PREFIX,
    ctx.config.ORDER_PAYMENT_WINDOW_MS,
    step === 'lua'
      ? undefined
      : {
          step,
          watchConnections: ctx.config.BENCH_STOCK_WATCH_CONNECTIONS,
          lockLeaseMs: ctx.config.BENCH_STOCK_LOCK_LEASE_MS,
          onRetry: deps.metrics ? benchRetryCounter(deps.metrics) : undefined,
        },
  );
  const service = new OrderService(
    store,
    deps.ledger.orders,
    deps.rooms,
    deps.catalog,
    deps.sales,
    deps.payments,
    deps.bans,
    log,
    deps.shops ?? null,
    deps.terms ?? null,
    deps.shopStock ? (productId) => deps.shopStock!.sync([productId]) : null,
  );
  ctx.app.use(orderRoutes(service, auth));
  const pusher = new OrderEventsPusher(
    createRedis(ctx.redisUrl, log.child({ conn: 'order-events' }), { maxRetriesPerRequest: null }),
    store.keys.events,
    ctx.io,
    log,
  ).start();
  // Redis may have lost data since the ledger last rebuilt it (a restart, a restore, a fresh server): check at start
  // (orders wait for it) and every second after.
  const recovery = new HotStateRecovery(ctx.redis, deps.ledger.pool, deps.ledger.orders, store, deps.payments, log, {
    shopStock: deps.shopStock ?? null,
    roomsOf: (productId) => deps.catalog.roomsOf(productId),
  });
  // Every shop SKU has its pool before orders are taken: products from before shared stock, or a crash between a
  // product's commit and its pools (create-if-absent, so harmless when they exist).
  const ready = (deps.shopStock?.seedAll() ?? Promise.resolve(0)).then(() => recovery.check()).then(() => undefined);
  const watcher = new Ticker('redis-recovery', 1_000, log, async () => void (await recovery.check())).start();
  return {
    name: 'orders',
    service,
    recovery,
    ready,
    onConnection(socket) {
      on(socket, 'order:place', log, (input) => timePlace(() => service.place(socket.data.principal, socket.data.rooms, input)));
      on(socket, 'order:cancel', log, ({ orderId }) => service.cancel(socket.data.principal, orderId));
    },
    close: async () => {
      await watcher.stop();
      await ready.catch(() => {});
      await pusher.close();
      store.close();
    },
  };
}
