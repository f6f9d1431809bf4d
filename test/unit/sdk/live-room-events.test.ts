import { expect, it } from 'vitest';
import { applyLiveEvent, liveStateFromSnapshot } from '../../../client-sdk/src/state/live.ts';
import { room, snapshot } from './fixtures.ts';

const s0 = liveStateFromSnapshot(snapshot(), 100);

it('room:stats replaces the viewer and like counts', () => {
  const s = applyLiveEvent(s0, { event: 'room:stats', payload: { roomId: 'r1', viewers: 9, likes: 40 } });
  expect(s.stats).toEqual({ viewers: 9, likes: 40 });
});

it("chat:settings sets slow mode; chat:muted sets and clears this user's mute", () => {
  expect(applyLiveEvent(s0, { event: 'chat:settings', payload: { roomId: 'r1', slowModeS: 30, maxLength: 200 } }).slowModeS).toBe(30);
  const muted = applyLiveEvent(s0, { event: 'chat:muted', payload: { roomId: 'r1', until: 9_999 } });
  expect(muted.mutedUntil).toBe(9_999);
  expect(applyLiveEvent(muted, { event: 'chat:muted', payload: { roomId: 'r1', until: null } }).mutedUntil).toBeNull();
});

it("room:updated replaces the room (matched by the room's own id)", () => {
  const s = applyLiveEvent(s0, { event: 'room:updated', payload: { room: room({ title: 'New title' }) } });
  expect(s.room.title).toBe('New title');
  expect(applyLiveEvent(s0, { event: 'room:updated', payload: { room: room({ id: 'r2', title: 'Other' }) } })).toBe(s0);
});

it('room:ended and room:kicked close the room with their reason, and only for this room', () => {
  expect(applyLiveEvent(s0, { event: 'room:ended', payload: { roomId: 'r1', reason: 'See you tomorrow' } }).closed).toBe(
    'See you tomorrow',
  );
  expect(applyLiveEvent(s0, { event: 'room:kicked', payload: { roomId: 'r1', reason: 'Banned' } }).closed).toBe('Banned');
  expect(applyLiveEvent(s0, { event: 'room:ended', payload: { roomId: 'r2', reason: 'x' } }).closed).toBeNull();
});

it('stats for another room are ignored', () => {
  expect(applyLiveEvent(s0, { event: 'room:stats', payload: { roomId: 'r2', viewers: 1, likes: 1 } })).toBe(s0);
});
