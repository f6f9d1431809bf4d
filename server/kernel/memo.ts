/**
 * A bounded in-process memo for facts that never change once a record exists (a sale's room and SKU, a room's
 * agency). The order path needs them on every attempt; reading them from Redis each time cost one round trip per
 * attempt for an answer that cannot change. Only found values are kept (a missing record may be created later, so
 * "not found" is asked again), a failed load is not kept, and concurrent loads of one key share one promise. Past
 * `max` entries the oldest is dropped.
 */
export class ImmutableMemo<K, V> {
  private readonly entries = new Map<K, Promise<V | null>>();

  constructor(
    private readonly max: number,
    private readonly load: (key: K) => Promise<V | null>,
  ) {}

  get(key: K): Promise<V | null> {
    const known = this.entries.get(key);
    if (known) return known;
    const loading = this.load(key).then(
      (value) => {
        if (value === null) this.forget(key, loading);
        return value;
      },
      (err: unknown) => {
        this.forget(key, loading);
        throw err;
      },
    );
    this.entries.set(key, loading);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
    return loading;
  }

  private forget(key: K, entry: Promise<V | null>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}

/**
 * A bounded in-process memo whose answers are believed for `ttlMs` (null answers too): for facts that change rarely
 * and whose staleness by that much is harmless, read on every attempt of a hot path. Concurrent loads of one key share
 * one promise; a failed load is not kept. Past `max` entries the oldest is dropped.
 */
export class FreshMemo<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly load: (key: K) => Promise<V>,
  ) {}

  get(key: K, now = Date.now()): Promise<V> {
    const known = this.entries.get(key);
    if (known && now - known.at < this.ttlMs) return known.value;
    const value = this.load(key);
    const entry = { at: now, value };
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
    return value;
  }

  /** Loads `key` again now, whatever its age (for an answer the caller will not act on unless it is current). */
  fresh(key: K, now = Date.now()): Promise<V> {
    this.entries.delete(key);
    return this.get(key, now);
  }
}
