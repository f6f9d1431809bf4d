import type { HawkerIo } from '../kernel/context.ts';
import { tapBroadcasts } from '../kernel/broadcastTap.ts';
import { roomIdOfChannel } from '../kernel/channels.ts';
import type { Logger } from '../kernel/log.ts';
import type { NewTimelineEntry, RecordingStore } from './store.ts';

type Payload = Record<string, unknown>;

/**
 * The shopping timeline's source: the room pushes the catalog, flash-sale and chat domains already send (product:pinned,
 * product:unpinned, product:price, sale:started, sale:ended, sale:soldout, chat:batch), turned into timeline entries. Taken from the
 * Socket.IO adapter, so those domains carry no recording branch: each node sees the broadcasts it originates (remote
 * ones reach the adapter through another path), so every push is written once, by the node that sent it.
 */
export function timelineEntries(event: string, p: Payload, now: number): NewTimelineEntry[] {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : now);
  switch (event) {
    case 'product:pinned': {
      const product = (p.product ?? {}) as Payload;
      return [{ at: num(p.pinnedAt), kind: 'pin', productId: str(product.id), data: p }];
    }
    case 'product:unpinned':
      return [{ at: now, kind: 'unpin', productId: str(p.productId), data: p }];
    case 'sale:started':
      return [{ at: now, kind: 'sale_start', productId: str(p.productId), data: p }];
    case 'sale:ended':
      return [{ at: now, kind: 'sale_end', productId: null, data: p }];
    case 'sale:soldout':
      return [{ at: now, kind: 'sold_out', productId: null, data: p }];
    case 'product:price':
      return [{ at: num(p.at), kind: 'price_change', productId: str(p.productId), data: p }];
    case 'chat:batch': {
      const messages = Array.isArray(p.messages) ? (p.messages as Payload[]) : [];
      return messages.map((m) => ({ at: num(m.at), kind: 'chat' as const, productId: null, data: m }));
    }
    default:
      return [];
  }
}

const TIMELINE_EVENTS = new Set([
  'product:pinned',
  'product:unpinned',
  'product:price',
  'sale:started',
  'sale:ended',
  'sale:soldout',
  'chat:batch',
]);

/** How often a node writes the timeline entries it collected, and how many it holds at most meanwhile. */
export const TIMELINE_FLUSH_MS = 250;
export const TIMELINE_MAX_PENDING = 5_000;

/**
 * Collects timeline entries in memory and writes them in one statement per flush (every TIMELINE_FLUSH_MS), whatever
 * the number of rooms and pushes: one INSERT per chat tick per room took a pool connection each, and under a chat flood
 * they crowded the ledger's pool until payments timed out waiting for a connection (seen in bench:soak). Bounded: past
 * TIMELINE_MAX_PENDING entries, chat entries are dropped (counted and logged) before shopping ones; shopping entries are
 * dropped only when nothing else is left to drop. A failed write is logged and its entries dropped: the timeline is
 * a replay aid, never worth holding memory for while PostgreSQL is down.
 */
export class TimelineWriter {
  private pending: { roomId: string; entry: NewTimelineEntry }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly store: Pick<RecordingStore, 'appendEventsOfRooms'>,
    private readonly log: Logger,
    private readonly o: { flushMs: number; maxPending: number } = { flushMs: TIMELINE_FLUSH_MS, maxPending: TIMELINE_MAX_PENDING },
  ) {}

  add(roomId: string, entries: readonly NewTimelineEntry[]): void {
    if (this.closed || entries.length === 0) return;
    for (const entry of entries) this.pending.push({ roomId, entry });
    if (this.pending.length > this.o.maxPending) this.shed();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.flushMs);
  }

  /** Writes what is pending now (after any write in progress); resolves when it is written or dropped. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.flushing = this.store
      .appendEventsOfRooms(batch)
      .then(
        () => undefined,
        (err: Error) => this.log.warn({ err, entries: batch.length }, 'timeline entries not stored'),
      )
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  /** Stops collecting and writes what is left. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private shed(): void {
    const excess = this.pending.length - this.o.maxPending;
    let chatToDrop = excess;
    const kept = this.pending.filter((p) => !(p.entry.kind === 'chat' && chatToDrop-- > 0));
    // Still over (the flood is shopping pushes): drop the oldest.
    const over = kept.length - this.o.maxPending;
    this.pending = over > 0 ? kept.slice(over) : kept;
    if (this.dropped === 0)
      this.log.warn({ maxPending: this.o.maxPending }, 'timeline writer over its bound: dropping entries (chat first)');
    this.dropped += excess;
  }

  /** Entries dropped because the writer was over its bound (since start). */
  get droppedCount(): number {
    return this.dropped;
  }
}

/**
 * Observes room pushes through the node's one broadcast tap (server/kernel/broadcastTap.ts); returns the unregister
 * (which writes what is still pending). Entries go through a TimelineWriter: one statement per flush for all rooms,
 * and only rooms with a recording at the entry's time get rows (the INSERT joins on it), so rooms that do not record
 * cost nothing but that shared statement.
 */
export function tapTimeline(io: HawkerIo, store: RecordingStore, log: Logger): () => Promise<void> {
  const writer = new TimelineWriter(store, log);
  const untap = tapBroadcasts(
    io,
    TIMELINE_EVENTS,
    (event, payload, channels) => {
      for (const channel of channels) {
        const roomId = roomIdOfChannel(channel);
        if (!roomId) continue;
        writer.add(roomId, timelineEntries(event, payload as Payload, Date.now()));
      }
    },
    log,
  );
  return async () => {
    untap();
    await writer.close();
  };
}
