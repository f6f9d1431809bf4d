import { Counter, type Registry } from 'prom-client';
import type { RoomStats, StockUpdate } from '@hawker/protocol';
import { roomChannel } from './channels.ts';
import type { Domain, HawkerIo, HawkerSocket } from './context.ts';

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
  /** Room pushes held back by the room's write budget ({@link TickPace}) and merged into the room's next push. */
  held: number;
}

/**
 * A budget of socket writes per second for one room's ticks on this node (per event). A tick costs a write per
 * connection in the room, whatever the order rate: a flash sale's live stock to 3,000 viewers every 500 ms is 6,000
 * writes a second, a quarter of the node's time in bench:orders (issue 20 P3). A room with more connections here than
 * the budget allows at the tick's rate gets its pushes less often: at most one every `connections / roomWritesPerSec`
 * seconds, never more than `maxGapMs` apart. A push held back is not lost: the room's next one carries the newest state
 * (stock merged pool by pool, as for a waiting push), sent when the room's gap has passed. Smaller rooms are not
 * touched (their gap is shorter than a tick; below MIN_PACED_GAP_MS, not paced at all). `roomWritesPerSec` 0: no budget.
 */
export interface TickPace {
  roomWritesPerSec: number;
  maxGapMs: number;
}

/** A paced room's last delivery on this node, and the push waiting for its gap to pass. */
interface Paced {
  at: number;
  held?: TickBatch['payloads'][number];
  timer?: NodeJS.Timeout;
}

const EVENTS: readonly TickEvent[] = ['room:stats', 'stock:update'];

/** The shortest gap between a room's pushes that TickPace enforces; rooms allowed a push more often are not paced. */
const MIN_PACED_GAP_MS = 100;

/**
 * Socket writes one synchronous slice of tick delivery may ask for before the rest of the tick waits for the next turn
 * of the event loop (setImmediate). A tick to 10,000 connections is 10,000 writes (and as many write callbacks); in one
 * piece it held the loop for hundreds of ms under bench:soak, and every other request (a `/healthz` probe, an order)
 * waited behind it. A room is never split: each room's push is one broadcast.
 */
export const TICK_WRITES_PER_SLICE = 2_000;

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
 *   of queueing it behind the others; the next tick supersedes it. Drops are counted (`dropped`). So that a skipped
 *   tick is never the last word (a room whose numbers then stop moving has no next tick), the node remembers, per
 *   skipping connection, the newest state it skipped (stock updates merged pool by pool) and sends it once when the
 *   connection's transport is writable again, unless a later tick reached it first: a slow connection gets the latest
 *   state once, never a backlog. Only skipping connections cost anything here (a listener each, until they drain).
 *
 * Cost per tick, per node: one PUBLISH (the node that made it), one packet encoded per room, one socket write per
 * connection in the room here (the writes are the cost that scales: 10,000 viewers are 10,000 writes per tick).
 * Events (`sale:soldout`, `sale:ended`, chat) still go through the adapter's stream: they must not be lost.
 */
export class TickCast implements Domain {
  readonly name = 'ticks';
  readonly cost: Record<TickEvent, TickCost>;
  /** Socket id -> the newest tick it skipped, per event and room (`${event} ${roomId}`): sent when it drains. */
  private readonly owed = new Map<string, Map<string, TickBatch>>();
  /** Socket id -> the transport whose 'ready' will pay what it owes. */
  private readonly listening = new Map<string, object>();
  /** Room pushes not delivered yet (a tick past TICK_WRITES_PER_SLICE): delivered in order, a slice per loop turn. */
  private readonly pending: { event: TickEvent; payload: TickBatch['payloads'][number] }[] = [];
  private pendingAt = 0;
  /**
   * `${event} ${roomId}` -> its index in `pending`, for pushes not delivered yet. A newer tick for a room still waiting
   * merges into that entry instead of queueing behind it (ticks are state: the room gets the newest one, once), so the
   * queue never holds more than one entry per room and event, however far delivery falls behind.
   */
  private readonly pendingIndex = new Map<string, number>();
  private sliceScheduled = false;
  /** `${event} ${roomId}` -> its last delivery and held push, for rooms over the write budget (see TickPace). */
  private readonly paced = new Map<string, Paced>();
  private pacedSweptAt = 0;
  private closed = false;
  private readonly onTicks = (batch: TickBatch) => this.deliver(batch);

  /** `writesPerSlice`: TICK_WRITES_PER_SLICE unless given (a test's small slices). `pace`: no budget unless given. */
  constructor(
    private readonly io: HawkerIo,
    private readonly writesPerSlice = TICK_WRITES_PER_SLICE,
    public pace: TickPace = { roomWritesPerSec: 0, maxGapMs: 0 },
  ) {
    this.cost = Object.fromEntries(EVENTS.map((e) => [e, { published: 0, pushes: 0, writes: 0, dropped: 0, bytes: 0, held: 0 }])) as Record<
      TickEvent,
      TickCost
    >;
    io.on('room:ticks', this.onTicks);
  }

  /**
   * Stops for good: held pushes' timers cleared, queued pushes and debts dropped, other nodes' ticks ignored. Ticks are
   * state, so nothing is owed to anyone after the node stops (its clients rejoin elsewhere and get a snapshot).
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.io.off('room:ticks', this.onTicks);
    for (const paced of this.paced.values()) clearTimeout(paced.timer);
    this.paced.clear();
    this.pending.length = 0;
    this.pendingAt = 0;
    this.pendingIndex.clear();
    // A connection's `ready` listener finds itself no longer listening and does nothing.
    this.owed.clear();
    this.listening.clear();
  }

  /** Pushes one tick's payloads (one per room) to every connection in those rooms, on every node. */
  send(batch: TickBatch): void {
    if (batch.payloads.length === 0 || this.closed) return;
    this.deliver(batch);
    this.io.serverSideEmit('room:ticks', batch);
    this.cost[batch.event].published += 1;
  }

  /**
   * This node's share of a tick: each room's payload to the room's connections here. At once up to
   * TICK_WRITES_PER_SLICE writes; past that, the rest of the rooms in later turns of the event loop, in order (a tick
   * arriving meanwhile queues behind them, so a room never gets an older tick after a newer one; for a room still
   * waiting, it merges into the waiting push).
   */
  private deliver(batch: TickBatch): void {
    if (this.closed) return;
    const now = Date.now();
    for (const payload of batch.payloads) {
      const key = `${batch.event} ${payload.roomId}`;
      if (this.paceRoom(key, batch.event, payload, now)) continue;
      this.enqueue(key, batch.event, payload);
    }
    if (!this.sliceScheduled) this.slice();
  }

  /** Queues one room's push for the next slice, or merges it into the room's push still waiting there. */
  private enqueue(key: string, event: TickEvent, payload: TickBatch['payloads'][number]): void {
    const at = this.pendingIndex.get(key);
    if (at === undefined) {
      this.pendingIndex.set(key, this.pending.length);
      this.pending.push({ event, payload });
    } else {
      const waiting = this.pending[at]!;
      waiting.payload = mergeTicks({ event: waiting.event, payloads: [waiting.payload] } as TickBatch, payload).payloads[0]!;
    }
  }

  /**
   * The room's write budget (TickPace): true when `payload` is held back (merged into what the room already holds, sent
   * when its gap has passed); false when it goes now, which starts the room's next gap.
   */
  private paceRoom(key: string, event: TickEvent, payload: TickBatch['payloads'][number], now: number): boolean {
    const { roomWritesPerSec, maxGapMs } = this.pace;
    if (roomWritesPerSec <= 0) return false;
    if (now - this.pacedSweptAt > Math.max(maxGapMs, 1_000)) this.sweepPaced(now);
    const members = this.io.of('/').adapter.rooms.get(roomChannel(payload.roomId))?.size ?? 0;
    const gap = Math.min(maxGapMs, (members * 1_000) / roomWritesPerSec);
    const paced = this.paced.get(key);
    // A room whose budget allows a push every MIN_PACED_GAP_MS or more often is not paced: its ticks (every
    // COMMERCE_TICK_MS / STATS_TICK_MS) are within budget, and two pushes close together (a tick and a join's, a test's)
    // cost a few writes, not a held push and a timer.
    if (gap < MIN_PACED_GAP_MS && !paced?.held) return false;
    if (paced && now - paced.at < gap) {
      paced.held = paced.held ? mergeTicks({ event, payloads: [paced.held] } as TickBatch, payload).payloads[0]! : payload;
      this.cost[event].held += 1;
      if (!paced.timer) {
        paced.timer = setTimeout(() => this.release(key, event), paced.at + gap - now);
        paced.timer.unref();
      }
      return true;
    }
    // Its gap has passed (or it has none): this push goes now, carrying anything still held (a late timer).
    if (paced?.held) {
      payload = mergeTicks({ event, payloads: [paced.held] } as TickBatch, payload).payloads[0]!;
      this.enqueue(key, event, payload);
      clearTimeout(paced.timer);
      this.paced.set(key, { at: now });
      return true;
    }
    if (gap > 0) this.paced.set(key, { at: now });
    return false;
  }

  /** A held push's gap has passed: it goes now. */
  private release(key: string, event: TickEvent): void {
    const paced = this.paced.get(key);
    if (!paced?.held || this.closed) return;
    const payload = paced.held;
    this.paced.set(key, { at: Date.now() });
    this.enqueue(key, event, payload);
    if (!this.sliceScheduled) this.slice();
  }

  /** Forgets rooms whose gap has long passed with nothing held (rooms that ended or went quiet). */
  private sweepPaced(now: number): void {
    this.pacedSweptAt = now;
    for (const [key, paced] of this.paced) if (!paced.held && now - paced.at > this.pace.maxGapMs) this.paced.delete(key);
  }

  /** Delivers queued room pushes until TICK_WRITES_PER_SLICE writes, then yields to the event loop. */
  private slice(): void {
    this.sliceScheduled = false;
    const channels = this.io.of('/').adapter.rooms;
    let writes = 0;
    while (this.pendingAt < this.pending.length) {
      if (writes >= this.writesPerSlice) {
        this.sliceScheduled = true;
        setImmediate(() => this.slice());
        return;
      }
      const { event, payload } = this.pending[this.pendingAt]!;
      this.pendingAt += 1;
      this.pendingIndex.delete(`${event} ${payload.roomId}`);
      writes += channels.get(roomChannel(payload.roomId))?.size ?? 0;
      this.deliverRoom(event, payload);
    }
    this.pending.length = 0;
    this.pendingAt = 0;
  }

  /** One room's tick payload to the room's connections here. */
  private deliverRoom(event: TickEvent, payload: TickBatch['payloads'][number]): void {
    const channel = roomChannel(payload.roomId);
    const members = this.io.of('/').adapter.rooms.get(channel);
    if (!members || members.size === 0) return;
    const cost = this.cost[event];
    const sockets = this.io.of('/').sockets;
    // What Socket.IO's volatile test will find (engine.io's transport.writable): counted before the emit, which
    // makes every writable transport busy. A property read per connection, beside a write per connection.
    let busy = 0;
    const key = `${event} ${payload.roomId}`;
    for (const id of members) {
      const socket = sockets.get(id);
      if (!socket) continue;
      if (socket.conn.transport.writable === false) {
        busy += 1;
        this.owe(socket, key, event, payload);
      } else if (this.owed.size > 0) this.settle(id, key, event, payload);
    }
    const frameBytes = Buffer.byteLength(JSON.stringify([event, payload])) + 2;
    this.io.local.to(channel).volatile.emit(event, payload as never);
    cost.pushes += 1;
    cost.writes += members.size;
    cost.dropped += busy;
    cost.bytes += (members.size - busy) * frameBytes;
  }

  /** `socket` skips `payload`: remember it (merged with what it skipped before) until its transport is writable. */
  private owe(socket: HawkerSocket, key: string, event: TickEvent, payload: TickBatch['payloads'][number]): void {
    let debts = this.owed.get(socket.id);
    // A transport upgrade (polling to WebSocket) leaves the listener on a transport that will never be ready again:
    // start over on the new one (what it owed is sent with the next skip's debts, or superseded).
    if (debts && this.listening.get(socket.id) !== socket.conn.transport) {
      this.owed.delete(socket.id);
      debts = undefined;
    }
    if (!debts) {
      this.owed.set(socket.id, (debts = new Map()));
      const transport = socket.conn.transport;
      this.listening.set(socket.id, transport);
      const pay = () => {
        socket.off('disconnect', forget);
        if (this.listening.get(socket.id) !== transport) return; // superseded by a listener on a newer transport
        const due = this.owed.get(socket.id);
        this.owed.delete(socket.id);
        this.listening.delete(socket.id);
        // Not volatile: the transport has just drained, and this is the newest state, one packet per room. Local, like
        // every tick: a plain socket.emit goes through the adapter's stream (one XADD each, replayed on recovery), which
        // is what ticks stay out of.
        if (due && socket.connected) for (const d of due.values()) socket.nsp.local.to(socket.id).emit(d.event, d.payloads[0] as never);
      };
      const forget = () => {
        transport.off('ready', pay);
        this.owed.delete(socket.id);
        this.listening.delete(socket.id);
      };
      transport.once('ready', pay);
      socket.once('disconnect', forget);
    }
    const before = debts.get(key);
    debts.set(key, before ? mergeTicks(before, payload) : ({ event, payloads: [payload] } as TickBatch));
  }

  /** `socket` is sent `payload`: what it skipped earlier in that room is superseded (stock: the pools in it). */
  private settle(socketId: string, key: string, event: TickEvent, payload: TickBatch['payloads'][number]): void {
    const debts = this.owed.get(socketId);
    const before = debts?.get(key);
    if (!debts || !before) return;
    const left = event === 'stock:update' ? stockNotIn(before.payloads[0] as StockUpdate, payload as StockUpdate) : null;
    if (left) debts.set(key, { event: 'stock:update', payloads: [left] });
    else debts.delete(key);
  }
}

const skuKey = (s: StockUpdate['skus'][number]) => `${s.productId} ${s.skuId}`;

/** What a connection owes after skipping `next` too: stats are whole states (the newest wins); stock updates carry the
 * pools that changed, so they merge pool by pool, the newest figure of each pool winning. */
function mergeTicks(before: TickBatch, next: TickBatch['payloads'][number]): TickBatch {
  if (before.event === 'room:stats') return { event: 'room:stats', payloads: [next as RoomStats] };
  const a = before.payloads[0]!;
  const b = next as StockUpdate;
  const sales = new Map([...a.sales, ...b.sales].map((x) => [x.saleId, x]));
  const skus = new Map([...a.skus, ...b.skus].map((x) => [skuKey(x), x]));
  return { event: 'stock:update', payloads: [{ roomId: b.roomId, sales: [...sales.values()], skus: [...skus.values()] }] };
}

/** The pools of `owed` that `sent` did not bring up to date; null when none is left. */
function stockNotIn(owed: StockUpdate, sent: StockUpdate): StockUpdate | null {
  const sales = new Set(sent.sales.map((x) => x.saleId));
  const skus = new Set(sent.skus.map(skuKey));
  const left = {
    roomId: owed.roomId,
    sales: owed.sales.filter((x) => !sales.has(x.saleId)),
    skus: owed.skus.filter((x) => !skus.has(skuKey(x))),
  };
  return left.sales.length + left.skus.length > 0 ? left : null;
}

const casts = new WeakMap<HawkerIo, TickCast>();

/** The node's one TickCast (its `room:ticks` listener is registered once per Socket.IO server); `pace` sets its budget. */
export function tickCast(io: HawkerIo, pace?: TickPace): TickCast {
  let cast = casts.get(io);
  if (!cast) casts.set(io, (cast = new TickCast(io)));
  if (pace) cast.pace = pace;
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
    held: "Tick pushes held back by the room's write budget (TICK_ROOM_WRITES_PER_SEC) and merged into its next push",
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
