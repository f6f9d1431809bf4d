/**
 * A real Socket.IO server on loopback (port 0) and real socket.io-client connections to it, for the kernel's unit
 * tests of the write path. Everything made here is closed by {@link closeIoPairs} (call it in `afterEach`).
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';

const closers: (() => unknown)[] = [];

/** Closes every server and client made since the last call, newest first. */
export async function closeIoPairs(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
}

/** A Socket.IO server listening on 127.0.0.1 at a free port. */
export async function ioServer(): Promise<{ io: Server; url: string }> {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  closers.push(() => new Promise((r) => io.close(() => r(undefined))));
  return { io, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
}

/** A WebSocket client of `io` (no reconnection), its server-side socket in `rooms`. */
export async function ioConnect(url: string, io: Server, rooms: string[] = []): Promise<{ c: ClientSocket; socket: ServerSocket }> {
  const joined = once(io, 'connection');
  const c = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  closers.push(() => void c.disconnect());
  const [socket] = (await joined) as [ServerSocket];
  if (rooms.length > 0) await socket.join(rooms);
  return { c, socket };
}

/** Counts the write system calls (one per `_write` or `_writev`) the server makes on the connection's TCP socket. */
export function countWrites(socket: ServerSocket): { n: number } {
  const tcp = (socket.conn.transport as unknown as { socket: { _socket: NetSocket } }).socket._socket;
  const count = { n: 0 };
  for (const m of ['_write', '_writev'] as const) {
    const f = (tcp as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!;
    (tcp as unknown as Record<string, unknown>)[m] = function (this: unknown, ...a: unknown[]) {
      count.n += 1;
      return f.apply(this, a);
    };
  }
  return count;
}
