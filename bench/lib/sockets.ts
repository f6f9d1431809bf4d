/** Load-process helpers shared by the benchmarks: socket.io-client connections, locally signed tokens, bounded concurrency. */
import { io as ioClient, type ManagerOptions } from 'socket.io-client';
import { TokenService } from '../../server/auth/tokens.ts';
import type { ClientSocket } from '../../harness/clients.ts';

/**
 * Connects a socket.io-client (websocket only, no reconnection) and waits for the connection. `userId` rides along
 * in `auth` for the benchmarks' bare baseline servers, which check no tokens.
 */
export function open(url: string, token: string, userId: string, extra: Partial<ManagerOptions> = {}): Promise<ClientSocket> {
  const socket: ClientSocket = ioClient(url, {
    auth: { token, userId },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
    ...extra,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** Signs viewer tokens with the node's HS256 secret (thousands of connections would otherwise queue on the dev-token route). */
export function signer(secret: string): (userId: string) => Promise<string> {
  const tokens = new TokenService({ kind: 'secret', secret });
  return async (userId) => (await tokens.sign({ userId, name: userId, role: 'viewer' })).token;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
