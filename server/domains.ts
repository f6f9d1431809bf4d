import type { Hawker } from './app.ts';
import { createAnalytics } from './analytics/index.ts';
import { createAuth } from './auth/index.ts';
import { createCatalog } from './catalog/index.ts';
import { createFlashSales } from './flash-sale/index.ts';
import { restErrorHandlers } from './infra/rest.ts';
import { guardSocket, type HawkerSocket } from './infra/socketEdge.ts';
import { createOrders } from './orders/index.ts';
import { createPayments } from './payments/index.ts';
import { createRooms } from './rooms/index.ts';

/** Per-connection event budget: generous for humans and SDK bursts, tight enough that one client cannot hog a node. */
const SOCKET_EVENT_BUDGET = { ratePerSec: 20, burst: 60 };

/**
 * Wires every domain module into a node, in dependency order. The one place that knows the full list of domains, so
 * the server entry and the test helpers start identical nodes.
 */
export async function registerDomains(node: Hawker): Promise<void> {
  const { ctx } = node;
  const auth = createAuth(ctx);
  const rooms = createRooms(ctx, auth);
  node.add(rooms);

  const onConnection: ((socket: HawkerSocket) => void)[] = [rooms.onConnection];

  // Commerce (docs/commerce.md): catalog + pin, flash sales, analytics, payments (queue, worker, webhook), orders.
  const catalog = createCatalog(ctx, auth, rooms.service);
  const sales = createFlashSales(ctx, auth, rooms.service, catalog.service);
  const analytics = createAnalytics(ctx, auth, rooms.service, catalog.service.store);
  const payments = createPayments(ctx, auth);
  const orders = createOrders(ctx, auth, { rooms: rooms.service, catalog: catalog.service.store, sales: sales.service.store, payments: payments.queue });
  for (const domain of [catalog, sales, analytics, payments, orders]) node.add(domain);
  onConnection.push(orders.onConnection, analytics.onConnection);
  ctx.io.on('connection', (socket) => {
    socket.data.rooms ??= new Set();
    guardSocket(socket, SOCKET_EVENT_BUDGET);
    for (const handler of onConnection) handler(socket);
  });
  // Last: typed 404 and error responses for everything above.
  ctx.app.use(...restErrorHandlers(ctx.log));
}
