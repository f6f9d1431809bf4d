import type { Logger } from './log.ts';
import type { HawkerIo } from './context.ts';

/** Called with a room push this node originates: its event, its payload, and the channels it goes to. */
export type BroadcastListener = (event: string, payload: Record<string, unknown>, channels: ReadonlySet<string>) => void;

interface TapAdapter {
  broadcast(packet: { data?: unknown[] }, opts: { rooms?: Set<string> }): unknown;
}

interface Tap {
  readonly adapter: TapAdapter;
  readonly original: TapAdapter['broadcast'];
  /** Event name -> its listeners, in registration order. */
  readonly listeners: Map<string, BroadcastListener[]>;
}

const taps = new WeakMap<HawkerIo, Tap>();
const NO_CHANNELS: ReadonlySet<string> = new Set();

/**
 * Observes the room pushes this node originates (the main namespace adapter's `broadcast`) for the named events: each
 * node sees the broadcasts it sends, so each push is observed once across the cluster (the crowd's chart markers, the
 * recording's timeline). Returns the unregister.
 *
 * Why one shared hook rather than a wrapper per domain: every broadcast (chat batches, ticks, sale events: thousands a
 * second under load) went through each wrapper, which destructured the packet and looked the event up before calling
 * the next. This is one wrapper, installed on the first registration and removed with the last, that reads the event
 * name and does one Map lookup: a broadcast nobody watches allocates nothing here. A listener that throws is logged and
 * the push still goes out.
 */
export function tapBroadcasts(io: HawkerIo, events: Iterable<string>, listener: BroadcastListener, log: Logger): () => void {
  let tap = taps.get(io);
  if (!tap) {
    const adapter = io.of('/').adapter as unknown as TapAdapter;
    const original = adapter.broadcast;
    const listeners = new Map<string, BroadcastListener[]>();
    tap = { adapter, original, listeners };
    adapter.broadcast = function (this: unknown, packet, opts) {
      const data = packet.data;
      const event = data?.[0];
      const watching = typeof event === 'string' ? listeners.get(event) : undefined;
      if (watching) {
        const payload = data![1];
        if (payload && typeof payload === 'object')
          for (const l of watching) {
            try {
              l(event as string, payload as Record<string, unknown>, opts.rooms ?? NO_CHANNELS);
            } catch (err) {
              log.warn({ err, event }, 'broadcast tap failed; the push still goes out');
            }
          }
      }
      return original.call(this, packet, opts);
    };
    taps.set(io, tap);
  }
  const mine = tap;
  const names = [...new Set(events)];
  for (const name of names) {
    const list = mine.listeners.get(name);
    if (list) list.push(listener);
    else mine.listeners.set(name, [listener]);
  }
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    for (const name of names) {
      const left = (mine.listeners.get(name) ?? []).filter((l) => l !== listener);
      if (left.length > 0) mine.listeners.set(name, left);
      else mine.listeners.delete(name);
    }
    if (mine.listeners.size === 0 && taps.get(io) === mine) {
      mine.adapter.broadcast = mine.original;
      taps.delete(io);
    }
  };
}
