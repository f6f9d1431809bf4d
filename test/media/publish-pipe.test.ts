import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it('a creator publishes real VP8 over ICE/DTLS/SRTP; two viewers receive it, one on another worker through pipeToRouter', async () => {
  // One consumer per router: the second viewer cannot fit on the origin router and must be piped to the other worker.
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '2', MEDIASOUP_CONSUMERS_PER_ROUTER: '1' });
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), room.roomId));
  const publication = await creator.publishVp8(await creator.transport('send'));

  const viewers: WebRtcPeer[] = [];
  for (const name of ['v1', 'v2']) viewers.push(t.add(await WebRtcPeer.open(await room.join(name), room.roomId)));
  const receptions = [];
  for (const v of viewers) receptions.push(await v.consume(await v.transport('recv'), publication.producerId));

  for (const r of receptions) {
    await waitFor('RTP at the viewer', () => r.counters.bytes > 20_000, 20_000);
    await waitFor('a VP8 keyframe at the viewer', () => r.counters.keyframes > 0, 20_000);
    // The detector finds keyframe starts, not every packet (a keyframe every 30 frames, each frame 1+ packets).
    expect(r.counters.keyframes).toBeLessThan(r.counters.packets / 10);
    const before = r.counters.bytes;
    await waitFor('bytes to keep rising', () => r.counters.bytes > before, 10_000);
  }

  const stats = await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator);
  expect(stats.status).toBe(200);
  const { routers } = stats.body;
  expect(routers).toHaveLength(2);
  const origin = routers.find((r) => r.origin)!;
  const piped = routers.find((r) => !r.origin)!;
  expect(origin.workerIndex).not.toBe(piped.workerIndex);
  expect(origin.consumers).toBe(1);
  expect(piped.consumers).toBe(1);
  expect(stats.body.consumersPerWorker).toEqual({ [origin.workerIndex]: 1, [piped.workerIndex]: 1 });
  // The viewer on the second worker consumes the same producer id: piping is invisible to clients.
  expect(receptions.map((r) => r.producerId)).toEqual([publication.producerId, publication.producerId]);
  const [producer] = stats.body.producers;
  expect(producer).toMatchObject({ id: publication.producerId, kind: 'video' });
  expect(producer!.byteCount).toBeGreaterThan(0);
});
