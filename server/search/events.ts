import type { Logger } from '../kernel/log.ts';
import type { SearchStore } from './store.ts';

/** Search events held in memory at most (SEARCH_EVENTS_BUFFERED): past it, new ones are dropped and counted. */
export const SEARCH_EVENTS_BUFFERED = 10_000;
/** How often buffered search events are written (ms). */
const FLUSH_MS = 250;

export interface SearchEvent {
  id: string;
  q: string;
  type: string;
  userId: string | null;
  results: number;
}

/**
 * Search events for the funnel, written in batches off the request path: a search answers without waiting for a
 * commit (PostgreSQL's fsync was most of a search's time under load, bench/search.ts). Funnel events are analytics,
 * not money: a node that dies loses at most FLUSH_MS of them. Memory is bounded (SEARCH_EVENTS_BUFFERED).
 */
export class SearchEventBuffer {
  private pending: SearchEvent[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  dropped = 0;

  constructor(
    private readonly store: SearchStore,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  add(e: SearchEvent): void {
    if (this.pending.length >= SEARCH_EVENTS_BUFFERED) {
      this.dropped++;
      return;
    }
    this.pending.push(e);
  }

  /** Whether a search event is still waiting to be written. */
  holds(searchId: string): boolean {
    return this.pending.some((e) => e.id === searchId);
  }

  /** Writes what is buffered (one statement); resolves when everything added before the call is written. */
  flush(): Promise<void> {
    const batch = this.pending;
    if (!batch.length) return this.flushing;
    this.pending = [];
    this.flushing = this.flushing.then(() =>
      this.store.recordSearches(batch).catch((err: Error) => {
        this.log.warn({ err: err.message, events: batch.length }, 'writing search events failed; they are lost');
      }),
    );
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
