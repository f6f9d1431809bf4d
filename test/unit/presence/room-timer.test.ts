import { afterEach, expect, it, vi } from 'vitest';
import { createLogger } from '../../../server/kernel/log.ts';
import { LocalRooms, type LocalRoom } from '../../../server/presence/localRooms.ts';
import type { Room } from '@hawker/protocol';
import { waitFor } from '../../../harness/wait.ts';

const room = (id: string): Room => ({
  id,
  title: id,
  coverUrl: null,
  creatorId: 'c',
  creatorName: 'C',
  agencyId: null,
  status: 'live',
  scheduledAt: null,
  startedAt: 1,
  endedAt: null,
  endReason: null,
  createdAt: 1,
});

/** A participant that records what each tick saw. */
function recorder() {
  const ticks: { roomId: string; users: number; stats: boolean }[] = [];
  const disposed: string[] = [];
  return {
    ticks,
    disposed,
    participant: {
      name: 'recorder',
      async tick(local: LocalRoom, stats: boolean) {
        ticks.push({ roomId: local.room.id, users: local.distinctUsers, stats });
      },
      dispose: (roomId: string) => disposed.push(roomId),
    },
  };
}

// The first two tests drive the rooms' intervals with fake timers: ticks happen when the test moves the clock, and "the
// timer is gone" is a count of pending timers rather than a wait to see that nothing more happens.
const fakeIntervals = () => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
afterEach(() => {
  vi.useRealTimers();
});

it('a room has one timer on a node from its first local participant to the final flush after its last one leaves', async () => {
  fakeIntervals();
  const rooms = new LocalRooms({ tickMs: 10, statsTickMs: 30 }, createLogger('silent'));
  const r = recorder();
  rooms.addParticipant(r.participant);
  rooms.enter(room('a'), 'u1', 's1');
  rooms.enter(room('a'), 'u1', 's2'); // second socket of the same user: same room state, same timer
  rooms.enter(room('a'), 'u2', 's3');
  expect(vi.getTimerCount()).toBe(1);
  await vi.advanceTimersByTimeAsync(60);
  expect(rooms.get('a')!.distinctUsers).toBe(2);
  // Every third tick is a stats tick (30 / 10).
  expect(r.ticks.map((t) => t.stats)).toEqual([false, false, true, false, false, true]);

  rooms.exit('a', 'u1', 's1');
  rooms.exit('a', 'u1', 's2');
  rooms.exit('a', 'u2', 's3');
  await vi.advanceTimersByTimeAsync(10);
  expect(r.disposed).toEqual(['a']);
  expect(rooms.get('a')).toBeUndefined();
  // The last tick saw nobody and was a stats tick (the final flush that removes this node's share).
  expect(r.ticks.at(-1)).toEqual({ roomId: 'a', users: 0, stats: true });
  expect(vi.getTimerCount()).toBe(0); // the timer is gone
  const count = r.ticks.length;
  await vi.advanceTimersByTimeAsync(100);
  expect(r.ticks.length).toBe(count);
  await rooms.close();
});

it('ending a room stops its timer at once; closing stops all of them and refuses new rooms', async () => {
  fakeIntervals();
  const rooms = new LocalRooms({ tickMs: 10, statsTickMs: 10 }, createLogger('silent'));
  const r = recorder();
  rooms.addParticipant(r.participant);
  rooms.enter(room('a'), 'u1', 's1');
  rooms.enter(room('b'), 'u1', 's1');
  expect(vi.getTimerCount()).toBe(2); // one per room
  await vi.advanceTimersByTimeAsync(10);
  expect(r.ticks.map((t) => t.roomId).sort()).toEqual(['a', 'b']);
  rooms.end('a');
  expect(r.disposed).toEqual(['a']);
  expect(vi.getTimerCount()).toBe(1); // at once, not after a tick
  const aTicks = r.ticks.filter((t) => t.roomId === 'a').length;
  await rooms.close();
  expect(r.disposed.sort()).toEqual(['a', 'b']);
  expect(vi.getTimerCount()).toBe(0);
  const total = r.ticks.length;
  await vi.advanceTimersByTimeAsync(100);
  expect(r.ticks.length).toBe(total);
  expect(r.ticks.filter((t) => t.roomId === 'a').length).toBe(aTicks);
  expect(() => rooms.enter(room('c'), 'u1', 's1')).toThrow(/shutting down/);
  await rooms.close(); // idempotent
});

it('a tick that fails is retried on the next one and never skips the final flush', async () => {
  const rooms = new LocalRooms({ tickMs: 10, statsTickMs: 10 }, createLogger('silent'));
  let failures = 2;
  const flushed: number[] = [];
  rooms.addParticipant({
    name: 'flaky',
    async tick(local) {
      if (local.distinctUsers === 0 && failures-- > 0) throw new Error('redis down');
      if (local.distinctUsers === 0) flushed.push(Date.now());
    },
  });
  rooms.enter(room('a'), 'u1', 's1');
  rooms.exit('a', 'u1', 's1');
  await waitFor('the final flush to succeed', () => flushed.length === 1 && rooms.get('a') === undefined);
  expect(failures).toBe(-1);
  await rooms.close();
});

it('records the users whose presence on this node changed: a first socket in, a last socket out, never a second tab', async () => {
  const rooms = new LocalRooms({ tickMs: 10_000, statsTickMs: 10_000 }, createLogger('silent'));
  const local = rooms.enter(room('a'), 'u1', 's1');
  rooms.enter(room('a'), 'u2', 's2');
  expect([...local.changed]).toEqual(['u1', 'u2']);
  local.changed.clear(); // what presence does when it writes the share
  rooms.enter(room('a'), 'u1', 's3'); // u1's second tab: u1 was already here
  rooms.exit('a', 'u1', 's1'); // ...and is still here through s3
  expect([...local.changed]).toEqual([]);
  rooms.exit('a', 'u1', 's3');
  expect([...local.changed]).toEqual(['u1']);
  expect(local.distinctUsers).toBe(1);
  await rooms.close();
});
