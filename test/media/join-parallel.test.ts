import { expect, it } from 'vitest';
import { call } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('media events sent right behind room:join, without waiting for its ack, wait for that join; without a join they are refused', async () => {
  const { room } = await startLiveRoom(t);
  const { roomId } = room;
  const viewer = await room.connectOnly('fast-viewer');
  // All three leave in the same tick: the media events reach the server while the join is still in flight.
  const [joined, caps, transport] = await Promise.all([
    call(viewer, 'room:join', { roomId }),
    call(viewer, 'media:capabilities', { roomId }),
    call(viewer, 'media:createTransport', { roomId, direction: 'recv' }),
  ]);
  expect(joined.ok).toBe(true);
  expect(caps.ok && caps.data.routerRtpCapabilities).toBeTruthy();
  expect(transport.ok && transport.data.id).toBeTruthy();

  // A connection that never asked to join is still refused (no waiting on joins that do not exist).
  const stranger = await room.connectOnly('stranger');
  expect(await call(stranger, 'media:capabilities', { roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  // A join that fails (unknown room) lets the media event behind it fail too, rather than hang.
  const [badJoin, badCaps] = await Promise.all([
    call(stranger, 'room:join', { roomId: 'no-such-room' }),
    call(stranger, 'media:capabilities', { roomId: 'no-such-room' }),
  ]);
  expect(badJoin.ok).toBe(false);
  expect(badCaps).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
});
