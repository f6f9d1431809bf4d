import { expect, it } from 'vitest';
import type { NewTimelineEntry } from '../../../server/recording/store.ts';
import { TimelineWriter } from '../../../server/recording/timeline.ts';
import { pino } from 'pino';

const log = pino({ level: 'silent' });
const chat = (at: number): NewTimelineEntry => ({ at, kind: 'chat', productId: null, data: { text: `m${at}` } });
const pin = (at: number): NewTimelineEntry => ({ at, kind: 'pin', productId: 'p1', data: {} });

/** A store that records each batch it is handed and can be told to fail or to hold its answer. */
function fakeStore() {
  const batches: { roomId: string; entry: NewTimelineEntry }[][] = [];
  let fail = false;
  return {
    batches,
    failNext() {
      fail = true;
    },
    async appendEventsOfRooms(items: readonly { roomId: string; entry: NewTimelineEntry }[]) {
      batches.push([...items]);
      if (fail) {
        fail = false;
        throw new Error('pool exhausted');
      }
      return items.length;
    },
  };
}

it('writes the pushes of every room collected meanwhile in one statement, in the order they came', async () => {
  const store = fakeStore();
  const writer = new TimelineWriter(store, log, { flushMs: 60_000, maxPending: 100 });
  writer.add('r1', [pin(1)]);
  writer.add('r2', [chat(2), chat(3)]);
  writer.add('r1', [chat(4)]);
  expect(store.batches).toEqual([]);
  await writer.flush();
  expect(store.batches.map((b) => b.map((i) => `${i.roomId}:${i.entry.at}`))).toEqual([['r1:1', 'r2:2', 'r2:3', 'r1:4']]);
  await writer.flush();
  expect(store.batches).toHaveLength(1);
  await writer.close();
});

it('past its bound drops chat before shopping entries and counts what it dropped', async () => {
  const store = fakeStore();
  const writer = new TimelineWriter(store, log, { flushMs: 60_000, maxPending: 4 });
  writer.add('r1', [pin(1), chat(2), chat(3)]);
  writer.add('r1', [pin(4), chat(5), pin(6)]);
  await writer.flush();
  // Six entries, bound four: the two oldest chat entries went; every pin stayed.
  expect(store.batches[0]!.map((i) => `${i.entry.kind}${i.entry.at}`)).toEqual(['pin1', 'pin4', 'chat5', 'pin6']);
  expect(writer.droppedCount).toBe(2);
  // A flood of shopping entries alone: the oldest go.
  writer.add('r1', [pin(7), pin(8), pin(9), pin(10), pin(11)]);
  await writer.flush();
  expect(store.batches[1]!.map((i) => i.entry.at)).toEqual([8, 9, 10, 11]);
  expect(writer.droppedCount).toBe(3);
  await writer.close();
});

it('a failed write is dropped (logged), the next batch still goes; close writes what is left and then takes nothing', async () => {
  const store = fakeStore();
  const writer = new TimelineWriter(store, log, { flushMs: 60_000, maxPending: 100 });
  store.failNext();
  writer.add('r1', [chat(1)]);
  await writer.flush();
  writer.add('r1', [chat(2)]);
  await writer.close();
  expect(store.batches.map((b) => b.map((i) => i.entry.at))).toEqual([[1], [2]]);
  writer.add('r1', [chat(3)]);
  await writer.close();
  expect(store.batches).toHaveLength(2);
});

it('flushes by itself after its interval', async () => {
  const store = fakeStore();
  const writer = new TimelineWriter(store, log, { flushMs: 5, maxPending: 100 });
  writer.add('r1', [pin(1)]);
  await expect.poll(() => store.batches.length, { timeout: 2_000 }).toBe(1);
  await writer.close();
});
