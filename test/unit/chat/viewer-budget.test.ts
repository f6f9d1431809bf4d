import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { ChatMessage } from '@hawker/protocol';
import { ChatBudget, underBudget, type PendingMessage } from '../../../server/chat/budget.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const msg = (i: number, userId: string, always = false): PendingMessage => ({
  message: {
    id: `${1000 + i}-0`,
    roomId: 'r1',
    userId,
    name: userId,
    role: always ? 'creator' : 'viewer',
    text: `m${i}`,
    at: 1000 + i,
  } as ChatMessage,
  always,
});

it('keeps every staff message and `granted` of the others, spread over the tick, in order', () => {
  const pending = [msg(0, 'a'), msg(1, 'b'), msg(2, 'creator', true), ...Array.from({ length: 7 }, (_, i) => msg(3 + i, `u${i}`))];
  const { room, ownOnly } = underBudget(pending, 3);
  expect(room.map((m) => m.text)).toEqual(['m0', 'm2', 'm4', 'm7']); // creator's m2 + 3 of the 9 others at 0, 3, 6
  const ids = room.map((m) => m.id);
  expect(ids).toEqual([...ids].sort());
  // Every other message goes to its own sender, none lost, none twice.
  const dropped = [...ownOnly.values()].flat();
  expect(dropped).toHaveLength(6);
  for (const [userId, messages] of ownOnly) for (const m of messages) expect(m.userId).toBe(userId);
  expect(new Set([...room, ...dropped].map((m) => m.id)).size).toBe(pending.length);
});

it('grants nothing: only staff messages reach the room; more than asked: everything does', () => {
  const pending = [msg(0, 'a'), msg(1, 'mod', true), msg(2, 'a')];
  expect(underBudget(pending, 0).room.map((m) => m.text)).toEqual(['m1']);
  expect(
    underBudget(pending, 0)
      .ownOnly.get('a')
      ?.map((m) => m.text),
  ).toEqual(['m0', 'm2']);
  expect(underBudget(pending, 10)).toEqual({ room: pending.map((p) => p.message), ownOnly: new Map() });
});

it('applies only at or above the room size, and not at all with a budget of 0', () => {
  const budget = new ChatBudget({ perSec: 5, minViewers: 100 });
  expect(budget.applies(99)).toBe(false);
  expect(budget.applies(100)).toBe(true);
  expect(new ChatBudget({ perSec: 0, minViewers: 1 }).applies(1_000_000)).toBe(false);
});

it('a room gets at most perSec x seconds + a burst of perSec, refilled lazily when a tick asks', () => {
  const budget = new ChatBudget({ perSec: 5, minViewers: 1 });
  let granted = budget.take('r1', 100); // the burst
  expect(granted).toBe(5);
  expect(budget.take('r1', 100)).toBe(0);
  for (let tick = 0; tick < 30; tick++) {
    vi.advanceTimersByTime(100); // 30 ticks of 100 ms: 3 s
    granted += budget.take('r1', 100);
  }
  expect(granted).toBeLessThanOrEqual(5 * 3 + 5);
  expect(granted).toBeGreaterThanOrEqual(5 * 3 + 5 - 1); // nothing lost to rounding but the fraction in hand
  expect(budget.take('r2', 3)).toBe(3); // rooms do not share a bucket
  budget.drop('r1');
  expect(budget.take('r1', 100)).toBe(5); // a room that comes back starts full
});
