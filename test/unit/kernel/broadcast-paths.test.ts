/**
 * The node's broadcast paths (kernel/broadcastTap.ts, kernel/oneRoomApply.ts, kernel/corkedWrites.ts) on a real
 * Socket.IO server with real socket.io-client connections over loopback (no Redis: the in-memory adapter they extend).
 */
import type { Server } from 'socket.io';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterEach, expect, it, vi } from 'vitest';
import { tapBroadcasts } from '../../../server/kernel/broadcastTap.ts';
import { corkWebSocketFlushes } from '../../../server/kernel/corkedWrites.ts';
import { oneRoomApply } from '../../../server/kernel/oneRoomApply.ts';
import type { HawkerIo } from '../../../server/kernel/context.ts';
import type { Logger } from '../../../server/kernel/log.ts';
import { closeIoPairs, countWrites, ioConnect, ioServer } from './ioPair.ts';

afterEach(closeIoPairs);

const server = ioServer;

async function client(url: string, io: Server, rooms: string[]): Promise<ClientSocket> {
  return (await ioConnect(url, io, rooms)).c;
}

const warnings: unknown[] = [];
const log = { warn: (o: unknown) => warnings.push(o) } as unknown as Logger;

it('one tap observes only the watched events, with their channels; a failing listener does not stop the push; the last unregister restores the adapter', async () => {
  const { io, url } = await server();
  const adapter = io.of('/').adapter as unknown as { broadcast: unknown };
  const original = adapter.broadcast;
  const seen: [string, unknown, string[]][] = [];
  const untapA = tapBroadcasts(io as unknown as HawkerIo, ['watched'], (e, p, ch) => seen.push([e, p, [...ch]]), log);
  const untapB = tapBroadcasts(
    io as unknown as HawkerIo,
    ['watched'],
    () => {
      throw new Error('listener bug');
    },
    log,
  );
  expect(adapter.broadcast).not.toBe(original);
  const c = await client(url, io, ['room:r1']);
  const got: unknown[] = [];
  c.on('watched', (p) => got.push(p));
  const other = new Promise((resolve) => c.once('other', resolve));
  io.to('room:r1').emit('other', { n: 0 });
  io.to('room:r1').emit('watched', { n: 1 });
  await other;
  await expect.poll(() => got).toEqual([{ n: 1 }]); // the push went out although a listener threw
  expect(seen).toEqual([['watched', { n: 1 }, ['room:r1']]]); // 'other' was not observed
  expect(warnings.length).toBe(1);
  untapB();
  expect(adapter.broadcast).not.toBe(original); // A still listens
  untapA();
  expect(adapter.broadcast).toBe(original);
});

it('a one-room broadcast reaches each member once and no one else; several rooms and exceptions still dedupe and exclude', async () => {
  const { io, url } = await server();
  oneRoomApply(io as unknown as HawkerIo);
  const a = await client(url, io, ['r1', 'r2']);
  const b = await client(url, io, ['r1']);
  const c = await client(url, io, ['r2']);
  const got = new Map<ClientSocket, number[]>([
    [a, []],
    [b, []],
    [c, []],
  ]);
  for (const [s, list] of got) s.on('n', (n: number) => list.push(n));
  io.to('r1').emit('n', 1);
  io.to(['r1', 'r2']).emit('n', 2);
  io.to('r2').except('r1').emit('n', 3);
  io.emit('n', 4);
  await expect.poll(() => [...got.values()].map((l) => l.length)).toEqual([3, 3, 3]);
  expect(got.get(a)).toEqual([1, 2, 4]); // in both rooms: the two-room broadcast once
  expect(got.get(b)).toEqual([1, 2, 4]);
  expect(got.get(c)).toEqual([2, 3, 4]);
});

it('a flush of many queued packets to one connection goes out in a few writes, every packet in order', async () => {
  corkWebSocketFlushes();
  const { io, url } = await server();
  const { c, socket } = await ioConnect(url, io);
  const writes = countWrites(socket);
  const got: number[] = [];
  const all = new Promise<void>((resolve) =>
    c.on('n', (n: number) => {
      got.push(n);
      if (got.length === 200) resolve();
    }),
  );
  // The first packet is written at once; the other 199 queue behind it and leave in one flush when it completes.
  for (let n = 0; n < 200; n++) socket.emit('n', n);
  await all;
  expect(got).toEqual(Array.from({ length: 200 }, (_, n) => n));
  expect(writes.n).toBeLessThan(10); // one per frame (about 200) without the cork
});

it('a tick past its write budget is delivered over several turns of the event loop, rooms in order, a later tick behind it', async () => {
  const { io, url } = await server();
  const { TickCast } = await import('../../../server/kernel/ticks.ts');
  const { roomChannel } = await import('../../../server/kernel/channels.ts');
  const cast = new TickCast(io as unknown as HawkerIo, 1); // one room per slice
  const a = await client(url, io, [roomChannel('r1'), roomChannel('r2')]);
  const b = await client(url, io, [roomChannel('r1')]);
  const got = new Map<ClientSocket, string[]>([
    [a, []],
    [b, []],
  ]);
  for (const [s, list] of got) s.on('room:stats', (p: { roomId: string; viewers: number }) => list.push(`${p.roomId}:${p.viewers}`));
  // As a tick from another node arrives (server-side emit): this node delivers it to its own sockets.
  const fromPeer = (batch: unknown) =>
    (io.of('/') as unknown as { _onServerSideEmit(a: unknown[]): void })._onServerSideEmit(['room:ticks', batch]);
  fromPeer({
    event: 'room:stats',
    payloads: [
      { roomId: 'r1', viewers: 1, likes: 0 },
      { roomId: 'r2', viewers: 1, likes: 0 },
    ],
  });
  expect(cast.cost['room:stats'].pushes).toBe(1); // r1 at once; r2 waits for the next turn
  fromPeer({ event: 'room:stats', payloads: [{ roomId: 'r1', viewers: 2, likes: 0 }] });
  expect(cast.cost['room:stats'].pushes).toBe(1); // queued behind r2
  await expect.poll(() => cast.cost['room:stats'].pushes).toBe(3);
  await expect.poll(() => [got.get(a)!.length, got.get(b)!.length]).toEqual([3, 2]);
  expect(got.get(a)).toEqual(['r1:1', 'r2:1', 'r1:2']);
  expect(got.get(b)).toEqual(['r1:1', 'r1:2']);
});

it('a newer tick for a room still waiting for its slice merges into the waiting push: one push, the newest state, stock merged pool by pool', async () => {
  const { io, url } = await server();
  const { TickCast } = await import('../../../server/kernel/ticks.ts');
  const { roomChannel } = await import('../../../server/kernel/channels.ts');
  const cast = new TickCast(io as unknown as HawkerIo, 1); // one room per slice
  const a = await client(url, io, [roomChannel('r1'), roomChannel('r2')]);
  const stats: string[] = [];
  const stock: unknown[] = [];
  a.on('room:stats', (p: { roomId: string; viewers: number }) => stats.push(`${p.roomId}:${p.viewers}`));
  a.on('stock:update', (p: unknown) => stock.push(p));
  const fromPeer = (batch: unknown) =>
    (io.of('/') as unknown as { _onServerSideEmit(a: unknown[]): void })._onServerSideEmit(['room:ticks', batch]);
  const sku = (skuId: string, left: number) => ({ productId: 'p1', skuId, left });
  // r1 goes at once; r2's stats, then r2's stock, wait for later turns. Ticks arriving before they go merge into them.
  fromPeer({
    event: 'room:stats',
    payloads: [
      { roomId: 'r1', viewers: 1, likes: 0 },
      { roomId: 'r2', viewers: 1, likes: 0 },
    ],
  });
  fromPeer({ event: 'stock:update', payloads: [{ roomId: 'r2', sales: [], skus: [sku('s1', 5)] }] });
  for (let n = 2; n <= 50; n++) fromPeer({ event: 'room:stats', payloads: [{ roomId: 'r2', viewers: n, likes: 0 }] });
  fromPeer({ event: 'stock:update', payloads: [{ roomId: 'r2', sales: [], skus: [sku('s2', 7)] }] });
  fromPeer({ event: 'stock:update', payloads: [{ roomId: 'r2', sales: [], skus: [sku('s1', 4)] }] });
  await expect.poll(() => cast.cost['room:stats'].pushes + cast.cost['stock:update'].pushes).toBe(3);
  await expect.poll(() => stats.length + stock.length).toBe(3);
  expect(stats).toEqual(['r1:1', 'r2:50']);
  expect(stock).toEqual([{ roomId: 'r2', sales: [], skus: [sku('s1', 4), sku('s2', 7)] }]);
});

it('a room over its tick write budget gets its pushes at most once per gap, the held ones merged into the next; never lost; a room within it, every tick', async () => {
  const { io, url } = await server();
  const { TickCast } = await import('../../../server/kernel/ticks.ts');
  const { roomChannel } = await import('../../../server/kernel/channels.ts');
  // Two connections in r1 at 10 writes/s: one push per 200 ms, capped at 150 ms. r2's one connection at the same budget
  // would wait 100 ms: it is given its own cast with a budget it is within.
  const cast = new TickCast(io as unknown as HawkerIo, undefined, { roomWritesPerSec: 10, maxGapMs: 150 });
  const a = await client(url, io, [roomChannel('r1')]);
  const b = await client(url, io, [roomChannel('r1')]);
  const got = new Map<ClientSocket, { at: number; p: unknown }[]>([
    [a, []],
    [b, []],
  ]);
  for (const [s, list] of got) s.on('stock:update', (p: unknown) => list.push({ at: Date.now(), p }));
  const fromPeer = (batch: unknown) =>
    (io.of('/') as unknown as { _onServerSideEmit(a: unknown[]): void })._onServerSideEmit(['room:ticks', batch]);
  const sku = (skuId: string, left: number) => ({ productId: 'p1', skuId, left });
  const sent = Date.now();
  fromPeer({ event: 'stock:update', payloads: [{ roomId: 'r1', sales: [], skus: [sku('s1', 5)] }] });
  expect(cast.cost['stock:update'].pushes).toBe(1); // the first goes at once
  fromPeer({ event: 'stock:update', payloads: [{ roomId: 'r1', sales: [], skus: [sku('s2', 7)] }] });
  fromPeer({ event: 'stock:update', payloads: [{ roomId: 'r1', sales: [], skus: [sku('s1', 4)] }] });
  expect(cast.cost['stock:update']).toMatchObject({ pushes: 1, held: 2 });
  await expect.poll(() => [got.get(a)!.length, got.get(b)!.length]).toEqual([2, 2]);
  for (const list of got.values()) {
    expect(list.map((x) => x.p)).toEqual([
      { roomId: 'r1', sales: [], skus: [sku('s1', 5)] },
      { roomId: 'r1', sales: [], skus: [sku('s2', 7), sku('s1', 4)] }, // both held ticks, merged pool by pool
    ]);
    expect(list[1]!.at - sent).toBeGreaterThanOrEqual(140); // not before the room's gap (150 ms, timer slack aside)
  }
  expect(cast.cost['stock:update']).toMatchObject({ pushes: 2, writes: 4, held: 2 });

  // A room within its budget (one connection at 1,000 writes/s: a 1 ms gap) gets every tick as it comes.
  const { io: io2, url: url2 } = await server();
  const within = new TickCast(io2 as unknown as HawkerIo, undefined, { roomWritesPerSec: 1_000, maxGapMs: 150 });
  const c = await client(url2, io2, [roomChannel('r2')]);
  const seen: number[] = [];
  c.on('room:stats', (p: { viewers: number }) => seen.push(p.viewers));
  const fromPeer2 = (batch: unknown) =>
    (io2.of('/') as unknown as { _onServerSideEmit(a: unknown[]): void })._onServerSideEmit(['room:ticks', batch]);
  for (let n = 1; n <= 3; n++) {
    await new Promise<void>((resolve) => setTimeout(resolve, 5)); // ticks 5 ms apart: past the 1 ms gap each time
    fromPeer2({ event: 'room:stats', payloads: [{ roomId: 'r2', viewers: n, likes: 0 }] });
  }
  await expect.poll(() => seen).toEqual([1, 2, 3]);
  expect(within.cost['room:stats'].held).toBe(0);
});

it("close() clears a room's held tick push and its timer, drops what waits, and ignores later ticks; idempotent", async () => {
  const { io, url } = await server();
  const { TickCast } = await import('../../../server/kernel/ticks.ts');
  const { roomChannel } = await import('../../../server/kernel/channels.ts');
  const cast = new TickCast(io as unknown as HawkerIo, undefined, { roomWritesPerSec: 10, maxGapMs: 150 });
  const a = await client(url, io, [roomChannel('r1')]);
  await client(url, io, [roomChannel('r1')]);
  const got: unknown[] = [];
  a.on('stock:update', (p: unknown) => got.push(p));
  const fromPeer = (batch: unknown) =>
    (io.of('/') as unknown as { _onServerSideEmit(a: unknown[]): void })._onServerSideEmit(['room:ticks', batch]);
  const tick = (left: number) => ({
    event: 'stock:update',
    payloads: [{ roomId: 'r1', sales: [], skus: [{ productId: 'p1', skuId: 's1', left }] }],
  });
  // Only the cast's own timers are faked from here: the connections are up, and their writes need no timer.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    fromPeer(tick(5)); // goes at once
    fromPeer(tick(4)); // held: the room's gap has not passed
    expect(cast.cost['stock:update']).toMatchObject({ pushes: 1, held: 1 });
    expect(vi.getTimerCount()).toBe(1);
    await cast.close();
    await cast.close();
    expect(vi.getTimerCount()).toBe(0);
    fromPeer(tick(3)); // another node's tick after close: ignored
    cast.send(tick(2) as never);
    vi.runAllTimers();
  } finally {
    vi.useRealTimers();
  }
  // A marker sent after all of that arrives after anything the cast could still have written.
  const marker = new Promise((resolve) => a.once('marker', resolve));
  io.to(roomChannel('r1')).emit('marker', 1);
  await marker;
  expect(got).toEqual([tick(5).payloads[0]]);
  expect(cast.cost['stock:update']).toMatchObject({ pushes: 1, held: 1, published: 0 });
});
