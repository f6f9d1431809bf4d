import { expect, it } from 'vitest';
import { liveStateFromSnapshot } from '../../../client-sdk/src/state/live.ts';
import { msg, room, snapshot } from './fixtures.ts';

it('a join snapshot becomes the state a fresh join shows: chat sorted by id (time, then sequence), counts, rules, no tombstones', () => {
  const s = liveStateFromSnapshot(snapshot([msg('20-0'), msg('3-1'), msg('3-0'), msg('100-0')], { mutedUntil: 5_000 }), 100);
  expect(s.chat.map((m) => m.id)).toEqual(['3-0', '3-1', '20-0', '100-0']);
  expect(s.stats).toEqual({ viewers: 3, likes: 7 });
  expect(s.slowModeS).toBe(0);
  expect(s.mutedUntil).toBe(5_000);
  expect(s.closed).toBeNull();
  expect(s.tombstones).toEqual([]);
  expect(s.historyLimit).toBe(100);
});

it('keeps only the newest historyLimit messages of the snapshot', () => {
  const s = liveStateFromSnapshot(snapshot([msg('4-0'), msg('1-0'), msg('3-0'), msg('2-0')]), 2);
  expect(s.chat.map((m) => m.id)).toEqual(['3-0', '4-0']);
});

it('a snapshot of an ended room is closed with its end reason (or "ended" when it has none)', () => {
  expect(liveStateFromSnapshot(snapshot([], { room: room({ status: 'ended', endReason: 'Sold out' }) }), 10).closed).toBe('Sold out');
  expect(liveStateFromSnapshot(snapshot([], { room: room({ status: 'ended', endReason: null }) }), 10).closed).toBe('ended');
});

it("does not share the snapshot's chat array (sorting the state leaves the snapshot as received)", () => {
  const snap = snapshot([msg('2-0'), msg('1-0')]);
  liveStateFromSnapshot(snap, 10);
  expect(snap.chat.map((m) => m.id)).toEqual(['2-0', '1-0']);
});
