/**
 * A node-local, short-term memory of clients already known to be over a budget (a user cut for a cool-down, a client
 * address or a token over its REST rate, a connection whose like budget is spent for this second), so their next
 * attempts are refused without a Redis round trip, a token verification or a payload parse.
 *
 * Bounded: at most `max` entries. Expired entries are dropped when met; when full, the oldest entry (insertion order)
 * is dropped first, so a flood of distinct keys costs at most `max` entries and only makes the cache forget (the
 * authoritative check behind it still refuses). Each entry carries a value (e.g. the refusal to answer with).
 */
export class DenyCache<V = true> {
  private readonly entries = new Map<string, { until: number; value: V }>();

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new Error(`DenyCache max must be at least 1 (got ${max})`);
  }

  /** Denies `key` until `until` (epoch ms); a later deadline replaces an earlier one, never the reverse. */
  deny(key: string, until: number, value: V): void {
    const had = this.entries.get(key);
    if (had && had.until >= until) return;
    // Re-inserted so the insertion order stays the eviction order.
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.evict();
    this.entries.set(key, { until, value });
  }

  /** The entry denying `key` now, with the ms it has left; undefined when `key` is not denied. */
  get(key: string, now = Date.now()): { value: V; msLeft: number } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: e.value, msLeft: e.until - now };
  }

  /** Forgets `key` (e.g. a cool-down lifted). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Makes room for one entry: expired ones first (up to a few), else the oldest. */
  private evict(): void {
    const now = Date.now();
    let looked = 0;
    for (const [key, e] of this.entries) {
      if (e.until <= now) this.entries.delete(key);
      if (this.entries.size < this.max || ++looked >= 16) break;
    }
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
