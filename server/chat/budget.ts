import type { ChatMessage } from '@hawker/protocol';
import { TokenBucket } from '../kernel/tokenBucket.ts';

/** A message waiting for its room's tick, and whether it goes to everyone whatever the budget (the room's staff). */
export interface PendingMessage {
  message: ChatMessage;
  /** Sent by the room's creator, a moderator of its agency, the agency's owner or an admin: never sampled out. */
  always: boolean;
}

/** One tick's chat under the budget: what the whole room gets, and what only its senders get (per sender). */
export interface BudgetedBatch {
  room: ChatMessage[];
  /** Messages sampled out of the room's batch, by sender: each still goes to its own sender. */
  ownOnly: Map<string, ChatMessage[]>;
}

/**
 * Keeps every `always` message and `granted` of the others, spread evenly over the tick (not the first or last few,
 * so every part of a burst is represented), in their original order. The others go to their senders only.
 */
export function underBudget(pending: readonly PendingMessage[], granted: number): BudgetedBatch {
  const others = pending.filter((p) => !p.always).length;
  const keep = Math.max(0, Math.min(granted, others));
  const room: ChatMessage[] = [];
  const ownOnly = new Map<string, ChatMessage[]>();
  // The j-th other message is kept when it is the first at or after one of `keep` evenly spaced points.
  let j = 0;
  let kept = 0;
  for (const p of pending) {
    if (p.always) {
      room.push(p.message);
      continue;
    }
    const due = keep > 0 && kept < keep && j >= Math.floor((kept * others) / keep);
    j += 1;
    if (due) {
      kept += 1;
      room.push(p.message);
    } else {
      const own = ownOnly.get(p.message.userId);
      if (own) own.push(p.message);
      else ownOnly.set(p.message.userId, [p.message]);
    }
  }
  return { room, ownOnly };
}

/**
 * The per-viewer delivery budget of big rooms (issue 20, P2): in a room with at least `minViewers` connections on this
 * node, each tick's batch carries at most `perSec` messages a second from viewers (a burst of `perSec`), the same for
 * every viewer, so the budget costs nothing per viewer: no per-viewer timer or counter, one token bucket per room,
 * refilled lazily when a tick asks (kernel/tokenBucket.ts). Staff messages are outside the budget; a sampled-out
 * message still goes to its sender.
 *
 * Per node: the room's bucket lives in the node whose tick sends the batch. Behind nginx routing by room (docs/scaling.md)
 * a room is served by one node, so this is the room's budget; a room whose chatting viewers are spread over K nodes
 * gives each viewer up to K times it.
 */
export class ChatBudget {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly opts: { perSec: number; minViewers: number }) {}

  /** Whether a room with `connections` here is under the budget (a budget of 0 is off). */
  applies(connections: number): boolean {
    return this.opts.perSec > 0 && connections >= this.opts.minViewers;
  }

  /** Takes up to `n` of the room's tokens; returns how many viewers' messages this tick may carry. */
  take(roomId: string, n: number): number {
    if (n <= 0) return 0;
    let bucket = this.buckets.get(roomId);
    if (!bucket) this.buckets.set(roomId, (bucket = new TokenBucket({ ratePerSec: this.opts.perSec, burst: this.opts.perSec })));
    return bucket.take(n);
  }

  /** The room's local state went away. */
  drop(roomId: string): void {
    this.buckets.delete(roomId);
  }
}
