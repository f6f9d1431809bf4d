import type { Hawker } from './app.ts';
import { createAuth } from './auth/index.ts';
import { createMetrics } from './infra/metrics.ts';
import { restErrorHandlers } from './infra/rest.ts';
import { guardSocket, type HawkerSocket } from './infra/socketEdge.ts';
import { createRooms } from './rooms/index.ts';
import { createStream } from './stream/index.ts';

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
  const metrics = createMetrics(ctx.app); // GET /metrics; domains register on it
  const stream = createStream(ctx, auth, rooms.service, metrics);
  node.add(stream);

  const onConnection: ((socket: HawkerSocket) => void)[] = [rooms.onConnection, stream.onConnection];
  ctx.io.on('connection', (socket) => {
    socket.data.rooms ??= new Set();
    guardSocket(socket, SOCKET_EVENT_BUDGET);
    for (const handler of onConnection) handler(socket);
  });
  // Last: typed 404 and error responses for everything above.
  ctx.app.use(...restErrorHandlers(ctx.log));
}
