import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api, call } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it('with MEDIASOUP_MAX_CONSUMERS_PER_WORKER=1, a full worker sheds the next viewer to the other worker, then both refuse with QUOTA_EXCEEDED', async () => {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '2', MEDIASOUP_MAX_CONSUMERS_PER_WORKER: '1' });
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), room.roomId));
  const send = await creator.transport('send');
  const first = await creator.publishVp8(send);
  // A second track, only to be refused: its encoder is not needed (the box is shared; one ffmpeg is enough).
  const second = await creator.publishVp8(send);
  second.stop();

  const v1 = t.add(await WebRtcPeer.open(await room.join('v1'), room.roomId));
  const v1Transport = await v1.transport('recv');
  const watching = await v1.consume(v1Transport, first.producerId);
  // v1's worker is full: a second track for v1 there is refused, naming the limit.
  const more = await call(v1.socket, 'media:consume', {
    roomId: room.roomId,
    transportId: v1Transport.id,
    producerId: second.producerId,
    rtpCapabilities: v1.device.rtpCapabilities as never,
  });
  expect(more).toMatchObject({
    ok: false,
    error: { code: 'QUOTA_EXCEEDED', details: { limit: 'MEDIASOUP_MAX_CONSUMERS_PER_WORKER', max: 1 } },
  });

  // v2 lands on the other worker (piped) and gets video.
  const v2 = t.add(await WebRtcPeer.open(await room.join('v2'), room.roomId));
  const v2Watching = await v2.consume(await v2.transport('recv'), first.producerId);
  for (const r of [watching, v2Watching]) await waitFor('video at the viewer', () => r.counters.bytes > 5_000, 60_000);
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator)).body;
  expect(Object.values(stats.consumersPerWorker).sort()).toEqual([1, 1]);

  // Both workers full: a third viewer is refused at once with a typed error, not queued.
  const v3 = await room.join('v3');
  const refused = await call(v3, 'media:createTransport', { roomId: room.roomId, direction: 'recv' });
  expect(refused).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', details: { limit: 'MEDIASOUP_MAX_CONSUMERS_PER_WORKER' } } });

  // A viewer leaving frees its seat: the next one fits again.
  v1.close();
  v1.socket.disconnect();
  await waitFor(
    'v1 gone from its worker',
    async () => {
      const s = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator)).body;
      return s.consumers === 1;
    },
    30_000,
  );
  expect((await call(v3, 'media:createTransport', { roomId: room.roomId, direction: 'recv' })).ok).toBe(true);
});
