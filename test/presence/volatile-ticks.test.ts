import { expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { RoomStats, StockUpdate } from '@hawker/protocol';
import { call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, scheduleSale, startCommerceNode } from '../../harness/commerce.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes, waitFor, type TestNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { roomChannel } from '../../server/kernel/channels.ts';
import { tickCast } from '../../server/kernel/ticks.ts';

// Issue 20 (P2): room stats and live stock are ticks, state rather than events: sent volatile, over plain Redis
// pub/sub, never into the streams adapter's recovery stream (server/kernel/ticks.ts).

const t = useTeardown();

/** The events of every entry in the deployment's Socket.IO adapter stream (what connection-state recovery replays). */
async function streamEvents(node: TestNode): Promise<string[]> {
  const redis = new Redis(inject('redisUrl'));
  try {
    const entries = await redis.xrange(`${node.prefix}sio`, '-', '+');
    return entries.flatMap(([, fields]) => {
      const data = fields[fields.indexOf('data') + 1] ?? '';
      const event = /"data":\["([^"]+)"/.exec(data)?.[1];
      return event ? [event] : [];
    });
  } finally {
    redis.disconnect();
  }
}

/**
 * Runs `send` (a push to the connection), then `during` while the push's write is in flight: in engine.io's 'drain',
 * emitted right after the flush hands the queued packets to the transport (whose `writable` stays false until the
 * write completes).
 */
async function whileWriting(
  server: { conn: NodeJS.EventEmitter & { transport: { writable: boolean } } },
  send: () => void,
  during: () => void,
) {
  const ran = new Promise<void>((resolve) =>
    server.conn.once('drain', () => {
      expect(server.conn.transport.writable).toBe(false);
      during();
      resolve();
    }),
  );
  send();
  await ran;
}

async function socket(url: string, userId: string): Promise<ClientSocket> {
  return t.add(await connect(url, await tokenFor(url, userId)));
}

it('room stats reach viewers on every node through pub/sub and never enter the recovery stream', async () => {
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '100' });
  const { roomId } = await liveRoom(a.url);
  const onA = await socket(a.url, 'alice');
  const onB = await socket(b.url, 'bob');
  const seenB: RoomStats[] = [];
  onB.on('room:stats', (s) => void (s.roomId === roomId && seenB.push(s)));
  ok(await call(onA, 'room:join', { roomId }));
  ok(await call(onB, 'room:join', { roomId }));
  ok(await call(onA, 'like:tap', { roomId, count: 3 }));
  await waitFor('bob, on the other node, sees both viewers and the likes', () => seenB.some((s) => s.viewers === 2 && s.likes === 3));
  // A chat message is an event: it goes through the stream (recoverable); the stats around it do not.
  ok(await call(onA, 'chat:send', { roomId, text: 'hello' }));
  await waitFor('the chat batch is in the stream', async () => (await streamEvents(a)).includes('chat:batch'));
  expect(await streamEvents(a)).not.toContain('room:stats');
  // Each node counts its share of the fan-out (GET /metrics: hawker_ticks_*): one published batch per tick from the
  // broadcaster, a push and a write per node for its one viewer.
  const costs = [tickCast(a.node.ctx.io).cost['room:stats'], tickCast(b.node.ctx.io).cost['room:stats']];
  expect(costs[0]!.published + costs[1]!.published).toBeGreaterThan(0);
  for (const cost of costs) expect(cost.writes).toBeGreaterThan(0);
  const metrics = await (await fetch(`${b.url}/metrics`)).text();
  expect(metrics).toMatch(/hawker_ticks_writes_total\{event="room:stats"\} [1-9]/);
});

it('live stock reaches viewers as ticks, outside the recovery stream; sold-out stays a recoverable event', async () => {
  const node = t.add(await startCommerceNode(null));
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 10 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 1, perBuyerLimit: 1 });
  const watcher = await joinedViewer(t, node, room.id, { userId: 'watcher' });
  const buyer = await joinedViewer(t, node, room.id, { userId: 'buyer' });
  const updates: StockUpdate[] = [];
  watcher.socket.on('stock:update', (u) => void updates.push(u));
  let soldOut = false;
  watcher.socket.on('sale:soldout', (s) => void (s.saleId === sale.id && (soldOut = true)));
  ok(await call(buyer.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'tick-order-1' }));
  await waitFor('the watcher sees the sale at 0 left', () =>
    updates.some((u) => u.sales.some((s) => s.saleId === sale.id && s.left === 0)),
  );
  await waitFor('sold-out announced', () => soldOut);
  const events = await streamEvents(node);
  expect(events).toContain('sale:soldout');
  expect(events).not.toContain('stock:update');
  expect(tickCast(node.node.ctx.io).cost['stock:update'].writes).toBeGreaterThan(0);
});

it('a connection still busy with its last write skips ticks (volatile) and gets the newest state once it drains', async () => {
  const [a] = await twoNodes(t, { STATS_TICK_MS: '60000' }); // no real stats tick in the way (no sale: no stock tick)
  const { roomId } = await liveRoom(a.url);
  const viewer = await socket(a.url, 'slow');
  const { room } = ok(await call(viewer, 'room:join', { roomId }));
  const io = a.node.ctx.io;
  const ticks = tickCast(io);
  const seen: string[] = [];
  viewer.on('room:stats', (s) => void (s.roomId === roomId && seen.push(`stats ${s.viewers}`)));
  viewer.on('room:updated', () => void seen.push('updated'));
  const stock: StockUpdate[] = [];
  viewer.on('stock:update', (u) => void stock.push(u));
  const server = io.of('/').sockets.get([...(io.of('/').adapter.rooms.get(roomChannel(roomId)) ?? [])][0]!)!;
  const before = { ...ticks.cost['room:stats'] };

  // A push the connection must get (not volatile); while its transport is writing it, two ticks: both are skipped
  // rather than queued behind it. (`io.local`: no adapter XADD first.) Engine.io flushes a connection's queued packets
  // once per turn of the event loop (kernel/corkedWrites.ts) and emits 'drain' right after handing them to the
  // transport: that is when the write is in flight. Packets sent in the same turn before the flush are not skipped:
  // they share its one write.
  await whileWriting(
    server,
    () => io.local.to(roomChannel(roomId)).emit('room:updated', { room }),
    () => {
      ticks.send({ event: 'room:stats', payloads: [{ roomId, viewers: 111, likes: 0 }] });
      ticks.send({ event: 'room:stats', payloads: [{ roomId, viewers: 222, likes: 0 }] });
    },
  );
  expect(ticks.cost['room:stats'].dropped - before.dropped).toBe(2);
  // Once drained it is sent the newest state, once: never the stale one, never a backlog.
  await waitFor('the newest stats arrived', () => seen.includes('stats 222'));
  expect(seen).toEqual(['updated', 'stats 222']);
  // What a drained connection is paid is a tick too: it stays out of the recovery stream.
  expect(await streamEvents(a)).not.toContain('room:stats');

  // Stock updates carry only the pools that moved: what was skipped is merged pool by pool, the newest figure winning.
  await waitFor('the connection drained its writes', () => server.conn.transport.writable);
  await whileWriting(
    server,
    () => io.local.to(roomChannel(roomId)).emit('room:updated', { room }),
    () => {
      ticks.send({ event: 'stock:update', payloads: [{ roomId, sales: [{ saleId: 'x', left: 5, sold: 1 }], skus: [] }] });
      ticks.send({
        event: 'stock:update',
        payloads: [{ roomId, sales: [{ saleId: 'y', left: 3, sold: 0 }], skus: [{ productId: 'p', skuId: 's', left: 9 }] }],
      });
      ticks.send({ event: 'stock:update', payloads: [{ roomId, sales: [{ saleId: 'x', left: 4, sold: 2 }], skus: [] }] });
    },
  );
  await waitFor('the merged stock arrived', () => stock.length > 0);
  expect(stock).toHaveLength(1);
  expect(stock[0]).toEqual({
    roomId,
    sales: [
      { saleId: 'x', left: 4, sold: 2 },
      { saleId: 'y', left: 3, sold: 0 },
    ],
    skus: [{ productId: 'p', skuId: 's', left: 9 }],
  });

  // A connection that is not busy gets each tick as it comes.
  await waitFor('the connection drained its writes', () => server.conn.transport.writable);
  ticks.send({ event: 'room:stats', payloads: [{ roomId, viewers: 333, likes: 0 }] });
  await waitFor('the tick arrived', () => seen.includes('stats 333'));
});
