import { Counter, type Registry } from 'prom-client';
import type { RoomStats, StockUpdate } from '@hawker/protocol';
import { roomChannel } from './channels.ts';
import type { HawkerIo } from './context.ts';

/** The room pushes that are state, not events: each one supersedes the one before it. */
export type TickBatch = { event: 'room:stats'; payloads: RoomStats[] } | { event: 'stock:update'; payloads: StockUpdate[] };
export type TickEvent = TickBatch['event'];

/** What one node's fan-out of ticks has cost so far, per event (GET /metrics: `hawker_ticks_*`; bench:chat prints it). */
export interface TickCost {
  /** Batches this node published to the other nodes (one Redis PUBLISH each, whatever the number of rooms in them). */
  published: number;
  /** Room pushes this node handed to local sockets (a room with no connection here costs nothing). */
  pushes: number;
  /** Socket writes those pushes asked for: one per local connection in the room. */
  writes: number;
  /** Of those, the ones dropped because the connection still had a write in flight (Socket.IO `volatile`). */
  dropped: number;
  /** Bytes of the writes that went out (the Socket.IO text frame, `42["event",{...}]`). */
  bytes: number;
}

const EVENTS: readonly TickEvent[] = ['room:stats', 'stock:update'];

/**
 * The fan-out of ticks (live stock, room stats): sent with Socket.IO `volatile` and over plain Redis pub/sub, never
 * through the streams adapter's stream.
 *
 * Why not `io.to(room).emit` like every other push:
 * - The streams adapter XADDs every broadcast to one Redis stream (capped at 50,000 entries) so that Socket.IO's
 *   connection-state recovery can replay what a connection missed. A tick per room per COMMERCE_TICK_MS (500 ms) and
 *   per STATS_TICK_MS filled that window with numbers nobody wants replayed: 1,000 rooms with a sale running are
 *   2,000 entries/s, so the window shrank from minutes of chat and sale events to seconds, and a recovered connection
 *   was replayed every stale tick in order. A late tick is worthless: the next one, or the join snapshot a reconnecting
 *   client asks for (the SDK rejoins on every reconnect), carries the current numbers.
 * - So one tick, for all its rooms, is ONE message to the other nodes through `serverSideEmit`, which this adapter
 *   sends with Redis PUBLISH (no stream entry, nothing kept), and each node pushes it to its own sockets only
 *   (`io.local`). The node that made the tick pushes to its own sockets directly (serverSideEmit skips the sender).
 * - `volatile`: a connection that has not drained its last write (a slow phone in a busy room) skips this tick instead
 *   of queueing it behind the others; the next tick supersedes it. Drops are counted (`dropped`).
 *
 * Cost per tick, per node: one PUBLISH (the node that made it), one packet encoded per room, one socket write per
 * connection in the room here (the writes are the cost that scales: 10,000 viewers are 10,000 writes per tick).
 * Events (`sale:soldout`, `sale:ended`, chat) still go through the adapter's stream: they must not be lost.
 */
export class TickCast {
  readonly cost: Record<TickEvent, TickCost>;

  constructor(private readonly io: HawkerIo) {
    this.cost = Object.fromEntries(EVENTS.map((e) => [e, { published: 0, pushes: 0, writes: 0, dropped: 0, bytes: 0 }])) as Record<
      TickEvent,
      TickCost
    >;
    io.on('room:ticks', (batch) => this.deliver(batch));
  }

  /** Pushes one tick's payloads (one per room) to every connection in those rooms, on every node. */
  send(batch: TickBatch): void {
    if (batch.payloads.length === 0) return;
    this.deliver(batch);
    this.io.serverSideEmit('room:ticks', batch);
    this.cost[batch.event].published += 1;
  }

  /** This node's share of a tick: each room's payload to the room's connections here. */
  private deliver(batch: TickBatch): void {
    const cost = this.cost[batch.event];
    const channels = this.io.of('/').adapter.rooms;
    const sockets = this.io.of('/').sockets;
    for (const payload of batch.payloads) {
      const channel = roomChannel(payload.roomId);
      const members = channels.get(channel);
      if (!members || members.size === 0) continue;
      // What Socket.IO's volatile test will find (engine.io's transport.writable): counted before the emit, which
      // makes every writable transport busy. A property read per connection, beside a write per connection.
      let busy = 0;
      for (const id of members) if (sockets.get(id)?.conn.transport.writable === false) busy += 1;
      const frameBytes = Buffer.byteLength(JSON.stringify([batch.event, payload])) + 2;
      this.io.local.to(channel).volatile.emit(batch.event, payload as never);
      cost.pushes += 1;
      cost.writes += members.size;
      cost.dropped += busy;
      cost.bytes += (members.size - busy) * frameBytes;
    }
  }
}

const casts = new WeakMap<HawkerIo, TickCast>();

/** The node's one TickCast (its `room:ticks` listener is registered once per Socket.IO server). */
export function tickCast(io: HawkerIo): TickCast {
  let cast = casts.get(io);
  if (!cast) casts.set(io, (cast = new TickCast(io)));
  return cast;
}

/** `hawker_ticks_{published,pushes,writes,dropped,bytes}_total{event}`: the node's tick fan-out cost, read at scrape time. */
export function registerTickMetrics(registry: Registry, cast: TickCast): void {
  const help: Record<keyof TickCost, string> = {
    published: 'Tick batches this node published to the other nodes (one Redis PUBLISH each)',
    pushes: 'Room pushes of ticks this node handed to its sockets (one per room with a connection here per tick)',
    writes: 'Socket writes those tick pushes asked for (one per connection in the room)',
    dropped: 'Tick writes dropped (volatile) because the connection still had a write in flight',
    bytes: 'Bytes of tick writes that went out',
  };
  for (const field of Object.keys(help) as (keyof TickCost)[]) {
    new Counter({
      name: `hawker_ticks_${field}_total`,
      help: help[field],
      labelNames: ['event'],
      registers: [registry],
      collect() {
        this.reset();
        for (const event of EVENTS) this.labels(event).inc(cast.cost[event][field]);
      },
    });
  }
}
