/**
 * Group commit: items added in the same event-loop turn (and while earlier batches are in flight) are written by one
 * statement. A flash sale's thousands of concurrent reservations become a few multi-row INSERTs instead of one commit
 * each, which is where PostgreSQL's throughput comes from (one fsync per batch, not per row).
 *
 * Each caller's promise settles with its own item's result, or with the batch's error: a failed batch acknowledges
 * nothing, so every caller can answer "unavailable, nothing kept" truthfully.
 */
export class Batcher<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Writes one batch; resolves with one result per item, in order. */
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch) this.drain();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  /** Starts batches while there is work and a free slot; a finishing batch starts the next, so nothing waits a timer. */
  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      this.flush(batch.map((b) => b.item))
        .then(
          (results) => {
            if (results.length !== batch.length)
              throw new Error(`batch writer returned ${results.length} results for ${batch.length} items`);
            batch.forEach((b, i) => b.resolve(results[i]!));
          },
          (err: unknown) => {
            for (const b of batch) b.reject(err);
          },
        )
        .catch((err: unknown) => {
          for (const b of batch) b.reject(err);
        })
        .finally(() => {
          this.inFlight--;
          this.drain();
        });
    }
  }
}
