/**
 * kernel/corkedWrites.ts coalesceEngineFlushes on a real Socket.IO server and real socket.io-client connections over
 * loopback: the packets one turn of the event loop sends to a connection leave in one write, in order, and a
 * connection closed right after a send still gets what was sent before it. Its own file: the patch is process-wide.
 */
import type { Socket as ServerSocket } from 'socket.io';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterEach, expect, it } from 'vitest';
import { coalesceEngineFlushes, corkWebSocketFlushes } from '../../../server/kernel/corkedWrites.ts';
import { closeIoPairs, countWrites, ioConnect, ioServer } from './ioPair.ts';

afterEach(closeIoPairs);

async function pair(): Promise<{ socket: ServerSocket; c: ClientSocket }> {
  const { io, url } = await ioServer();
  return ioConnect(url, io);
}

it("one turn's packets to a connection leave in one write, in order", async () => {
  corkWebSocketFlushes();
  coalesceEngineFlushes();
  const { socket, c } = await pair();
  const writes = countWrites(socket);
  const got: string[] = [];
  const all = new Promise<void>((resolve) =>
    c.on('n', (n: string) => {
      got.push(n);
      if (got.length === 3) resolve();
    }),
  );
  // An acknowledgement and the pushes of the same event, say: without the coalescing the first is written at once and
  // the others wait for its write to complete, then leave in a second write.
  socket.emit('n', 'a');
  socket.emit('n', 'b');
  socket.emit('n', 'c');
  await all;
  expect(got).toEqual(['a', 'b', 'c']);
  expect(writes.n).toBe(1);
});

it('a broadcast packet is written at once, with what was queued before it, in order', async () => {
  corkWebSocketFlushes();
  coalesceEngineFlushes();
  const { socket, c } = await pair();
  await socket.join('room');
  const writes = countWrites(socket);
  const got: string[] = [];
  const both = new Promise<void>((resolve) =>
    c.on('n', (n: string) => {
      got.push(n);
      if (got.length === 2) resolve();
    }),
  );
  socket.emit('n', 'own'); // deferred to the end of the turn
  expect(writes.n).toBe(0);
  socket.nsp.to('room').emit('n', 'broadcast'); // one frame for every receiver: not deferred, takes 'own' along
  expect(writes.n).toBe(1);
  await both;
  expect(got).toEqual(['own', 'broadcast']);
  expect(writes.n).toBe(1);
});

it('a connection closed right after a send still gets what was sent before the close', async () => {
  coalesceEngineFlushes();
  const { socket, c } = await pair();
  const got = new Promise<string>((resolve) => c.on('bye', resolve));
  const closed = new Promise<string>((resolve) => c.on('disconnect', resolve));
  socket.emit('bye', 'sent before the close');
  socket.disconnect(true);
  expect(await got).toBe('sent before the close');
  expect(await closed).toBe('io server disconnect');
});
