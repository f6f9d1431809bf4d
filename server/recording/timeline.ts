import type { HawkerIo } from '../kernel/context.ts';
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

/**
 * Wraps the main namespace adapter's `broadcast` to observe room pushes; returns the unwrap. Only rooms with a
 * recording in progress get rows (the INSERT joins on it), so a room that does not record costs one cheap query per
 * shopping push and per chat tick, and none for anything else.
 */
export function tapTimeline(io: HawkerIo, store: RecordingStore, log: Logger): () => void {
  const adapter = io.of('/').adapter as unknown as {
    broadcast(packet: { data?: unknown[] }, opts: { rooms: Set<string> }): unknown;
  };
  const original = adapter.broadcast;
  adapter.broadcast = function (this: unknown, packet, opts) {
    try {
      const [event, payload] = (packet.data ?? []) as [unknown, unknown];
      if (typeof event === 'string' && TIMELINE_EVENTS.has(event) && payload && typeof payload === 'object') {
        for (const channel of opts.rooms ?? []) {
          const roomId = roomIdOfChannel(channel);
          if (!roomId) continue;
          const entries = timelineEntries(event, payload as Payload, Date.now());
          store.appendEvents(roomId, entries).catch((err: Error) => log.warn({ err, roomId, event }, 'timeline entry not stored'));
        }
      }
    } catch (err) {
      log.warn({ err }, 'timeline tap failed; the push still goes out');
    }
    return original.call(this, packet, opts);
  };
  return () => {
    adapter.broadcast = original;
  };
}
