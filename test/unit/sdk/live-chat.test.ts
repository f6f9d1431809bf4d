import { expect, it } from 'vitest';
import { applyLiveEvent, liveStateFromSnapshot, type LiveRoomState } from '../../../client-sdk/src/state/live.ts';
import type { ChatMessage } from '@hawker/protocol';
import { msg, snapshot } from './fixtures.ts';

const start = (chat: ChatMessage[] = [], limit = 100): LiveRoomState => liveStateFromSnapshot(snapshot(chat), limit);
const batch = (s: LiveRoomState, ...messages: ChatMessage[]) =>
  applyLiveEvent(s, { event: 'chat:batch', payload: { roomId: 'r1', messages } });
const del = (s: LiveRoomState, ...ids: string[]) => applyLiveEvent(s, { event: 'chat:deleted', payload: { roomId: 'r1', ids } });
const ids = (s: LiveRoomState) => s.chat.map((m) => m.id);

it('a batch appends its messages in id order, even when batches arrive out of order', () => {
  let s = start([msg('1-0')]);
  s = batch(s, msg('5-0'), msg('4-0'));
  s = batch(s, msg('3-0'));
  expect(ids(s)).toEqual(['1-0', '3-0', '4-0', '5-0']);
});

it('a message delivered twice (replayed batch, or already in the snapshot) appears once, and a batch of known ones changes nothing', () => {
  const s0 = start([msg('1-0')]);
  const s1 = batch(s0, msg('1-0'), msg('2-0'));
  expect(ids(s1)).toEqual(['1-0', '2-0']);
  const s2 = batch(s1, msg('2-0'), msg('1-0'));
  expect(s2).toBe(s1); // same object: nothing to re-render
});

it('the screen keeps at most historyLimit messages, dropping the oldest', () => {
  const s = batch(start([msg('1-0'), msg('2-0')], 3), msg('3-0'), msg('4-0'));
  expect(ids(s)).toEqual(['2-0', '3-0', '4-0']);
});

it('a delete removes the messages, and a batch still in flight when it arrived cannot bring them back', () => {
  let s = start([msg('1-0'), msg('2-0')]);
  s = del(s, '2-0', '3-0'); // 3-0 not seen yet: its batch overtook by the delete
  expect(ids(s)).toEqual(['1-0']);
  s = batch(s, msg('2-0'), msg('3-0'), msg('4-0'));
  expect(ids(s)).toEqual(['1-0', '4-0']);
});

it('tombstones are bounded (the newest 500 kept)', () => {
  let s = start();
  s = del(s, ...Array.from({ length: 600 }, (_, i) => `${i + 1}-0`));
  expect(s.tombstones).toHaveLength(500);
  expect(s.tombstones[0]).toBe('101-0');
  // The oldest fell out of the tombstones: a very late batch can show it again, a recent one cannot.
  expect(ids(batch(s, msg('1-0'), msg('600-0')))).toEqual(['1-0']);
});

it('pushes for another room leave the state untouched', () => {
  const s = start([msg('1-0')]);
  expect(applyLiveEvent(s, { event: 'chat:batch', payload: { roomId: 'r2', messages: [msg('2-0', 'x', 'r2')] } })).toBe(s);
  expect(applyLiveEvent(s, { event: 'chat:deleted', payload: { roomId: 'r2', ids: ['1-0'] } })).toBe(s);
});

it('never mutates the state it was given', () => {
  const s = start([msg('1-0')]);
  const before = structuredClone(s);
  batch(s, msg('2-0'));
  del(s, '1-0');
  expect(s).toEqual(before);
});
