import { expect, it } from 'vitest';
import { call, next, ok } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it('the creator pauses, resumes and closes a track; a viewer pauses and resumes their consumer; everyone concerned is told', async () => {
  const { room } = await startLiveRoom(t);
  const { roomId } = room;
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), roomId));
  const publication = await creator.publishVp8(await creator.transport('send'));
  const { producerId } = publication;
  const viewer = t.add(await WebRtcPeer.open(await room.join('v1'), roomId));
  const r = await viewer.consume(await viewer.transport('recv'), producerId);
  await waitFor('video flowing', () => r.counters.bytes > 5_000, 20_000);

  /** While the creator hands werift `packets` more packets, how many reach the viewer. */
  const arrivingWhile = async (packets: number) => {
    const [sent, got] = [publication.sent.packets, r.counters.packets];
    await waitFor(`${packets} more packets sent`, () => publication.sent.packets >= sent + packets, 15_000);
    return r.counters.packets - got;
  };

  // Creator pauses: the room is told, and the viewer stops receiving (a few in flight at most).
  const paused = next(viewer.socket, 'media:producerState');
  ok(await call(creator.socket, 'media:pauseProducer', { roomId, producerId }));
  expect(await paused).toEqual({ roomId, producerId, paused: true });
  await arrivingWhile(10); // let what was in flight land
  expect(await arrivingWhile(60)).toBe(0);
  expect(ok(await call(viewer.socket, 'media:capabilities', { roomId })).producers).toEqual([
    { id: producerId, kind: 'video', paused: true },
  ]);

  const resumed = next(viewer.socket, 'media:producerState');
  ok(await call(creator.socket, 'media:resumeProducer', { roomId, producerId }));
  expect(await resumed).toEqual({ roomId, producerId, paused: false });
  expect(await arrivingWhile(60)).toBeGreaterThan(0);

  // The viewer pauses their own consumer (e.g. the app went to the background), then resumes it.
  ok(await call(viewer.socket, 'media:pause', { roomId, consumerId: r.consumerId }));
  await arrivingWhile(10);
  expect(await arrivingWhile(60)).toBe(0);
  const keyframes = r.counters.keyframes;
  ok(await call(viewer.socket, 'media:resume', { roomId, consumerId: r.consumerId }));
  await waitFor('a keyframe after resuming', () => r.counters.keyframes > keyframes, 15_000);
  // Only the owner controls a consumer or a producer.
  expect(await call(creator.socket, 'media:pause', { roomId, consumerId: r.consumerId })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
  expect(await call(viewer.socket, 'media:closeProducer', { roomId, producerId })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });

  // The creator stops the track: the viewer's consumer closes and the viewer is told, the room learns the track is gone.
  const told = Promise.all([next(viewer.socket, 'media:consumerClosed'), next(viewer.socket, 'media:producerClosed')]);
  ok(await call(creator.socket, 'media:closeProducer', { roomId, producerId }));
  expect(await told).toEqual([
    { roomId, consumerId: r.consumerId, producerId, reason: 'producerClosed' },
    { roomId, producerId },
  ]);
  expect(ok(await call(viewer.socket, 'media:capabilities', { roomId })).producers).toEqual([]);
  expect(await call(viewer.socket, 'media:resume', { roomId, consumerId: r.consumerId })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
});
