/** The group-commit Batcher (server/ledger/batcher.ts) with a fake writer: which items share a statement, and how results and errors come back. */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../server/ledger/batcher.ts';

/** A writer that records each batch and settles it only when the test says so. */
function manualWriter<T>() {
  const batches: { items: T[]; resolve: (r: string[]) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;
  let maxSeen = 0;
  const flush = (items: T[]) =>
    new Promise<string[]>((resolve, reject) => {
      inFlight++;
      maxSeen = Math.max(maxSeen, inFlight);
      const done = () => inFlight--;
      batches.push({
        items,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
    });
  return { batches, flush, maxInFlight: () => maxSeen };
}

/** Lets the Batcher's setImmediate and promise callbacks run. */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('batching', () => {
  it('items added in the same event-loop turn go out as one batch, in the order added, each caller getting its own result', async () => {
    const w = manualWriter<number>();
    const b = new Batcher(w.flush, { maxBatch: 100, maxInFlight: 4 });
    const results = [1, 2, 3].map((n) => b.add(n));
    await turn();
    expect(w.batches.map((x) => x.items)).toEqual([[1, 2, 3]]);
    w.batches[0]!.resolve(['one', 'two', 'three']);
    expect(await Promise.all(results)).toEqual(['one', 'two', 'three']);
  });

  it('a full batch goes at once (no waiting for the turn to end); the rest follow in order', async () => {
    const w = manualWriter<number>();
    const b = new Batcher(w.flush, { maxBatch: 2, maxInFlight: 10 });
    void b.add(1);
    void b.add(2);
    expect(w.batches.map((x) => x.items)).toEqual([[1, 2]]); // synchronously, before any turn
    void b.add(3);
    void b.add(4);
    void b.add(5);
    await turn();
    expect(w.batches.map((x) => x.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('adds in later turns form later batches', async () => {
    const w = manualWriter<string>();
    const b = new Batcher(w.flush, { maxBatch: 100, maxInFlight: 4 });
    void b.add('a');
    await turn();
    void b.add('b');
    void b.add('c');
    await turn();
    expect(w.batches.map((x) => x.items)).toEqual([['a'], ['b', 'c']]);
  });
});

describe('maxInFlight', () => {
  it('never runs more than maxInFlight batches at once; items arriving meanwhile wait, then go together when a slot frees', async () => {
    const w = manualWriter<number>();
    const b = new Batcher(w.flush, { maxBatch: 2, maxInFlight: 1 });
    const all = [1, 2, 3, 4, 5].map((n) => b.add(n));
    await turn();
    expect(w.batches.map((x) => x.items)).toEqual([[1, 2]]);
    const late = b.add(6);
    await turn();
    expect(w.batches).toHaveLength(1); // still waiting for the one in flight
    w.batches[0]!.resolve(['r1', 'r2']);
    await turn();
    expect(w.batches.map((x) => x.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    w.batches[1]!.resolve(['r3', 'r4']);
    await turn();
    expect(w.batches.map((x) => x.items)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    w.batches[2]!.resolve(['r5', 'r6']);
    expect(await Promise.all([...all, late])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(w.maxInFlight()).toBe(1);
  });

  it('with room for several, batches run concurrently up to the limit', async () => {
    const w = manualWriter<number>();
    const b = new Batcher(w.flush, { maxBatch: 1, maxInFlight: 3 });
    for (let n = 0; n < 10; n++) void b.add(n).catch(() => {});
    await turn();
    expect(w.batches).toHaveLength(3);
    w.batches[1]!.resolve(['x']);
    await turn();
    expect(w.batches).toHaveLength(4);
    expect(w.maxInFlight()).toBe(3);
  });
});

describe('errors', () => {
  it('a failed batch rejects every caller of that batch with its error, and only them; later batches still run', async () => {
    const w = manualWriter<number>();
    const b = new Batcher(w.flush, { maxBatch: 2, maxInFlight: 2 });
    const first = [b.add(1), b.add(2)].map((p) =>
      p.then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    const second = [b.add(3), b.add(4)].map((p) =>
      p.then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    await turn();
    w.batches[0]!.reject(new Error('deadlock detected'));
    w.batches[1]!.resolve(['c', 'd']);
    expect(await Promise.all(first)).toEqual([{ e: 'deadlock detected' }, { e: 'deadlock detected' }]);
    expect(await Promise.all(second)).toEqual([{ v: 'c' }, { v: 'd' }]);
    const after = b.add(5);
    await turn();
    w.batches[2]!.resolve(['e']);
    expect(await after).toBe('e');
  });

  it('a writer that returns the wrong number of results fails its whole batch (nobody gets a result meant for another)', async () => {
    const w = manualWriter<number>();
    const b = new Batcher(w.flush, { maxBatch: 10, maxInFlight: 1 });
    const ps = [b.add(1), b.add(2)].map((p) => p.catch((e: Error) => e.message));
    await turn();
    w.batches[0]!.resolve(['only one']);
    expect(await Promise.all(ps)).toEqual(['batch writer returned 1 results for 2 items', 'batch writer returned 1 results for 2 items']);
  });

  it("a writer that throws (an async writer's rejection) frees its slot: the next batch runs", async () => {
    let calls = 0;
    const b = new Batcher<number, string>(
      async (items) => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return items.map(String);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    await expect(b.add(1)).rejects.toThrow('boom');
    expect(await b.add(2)).toBe('2');
  });
});
