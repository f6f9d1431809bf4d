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
