import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it('a simulcast creator: each viewer gets the layer its bandwidth allows, and switches down when it caps its layers', async () => {
  const { node, room } = await startLiveRoom(t);
  const { roomId } = room;
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), roomId));
  const { producerId } = await creator.publishVp8Simulcast(await creator.transport('send'), [
    { width: 160, height: 120, bitrate: '100k' },
    { width: 320, height: 240, bitrate: '250k' },
    { width: 640, height: 480, bitrate: '500k' },
  ]);
  const small = t.add(await WebRtcPeer.open(await room.join('small'), roomId));
  const big = t.add(await WebRtcPeer.open(await room.join('big'), roomId));
  const smallR = await small.consume(await small.transport('recv'), producerId);
  const bigR = await big.consume(await big.transport('recv'), producerId);
  expect([smallR.type, bigR.type]).toEqual(['simulcast', 'simulcast']);

  // Both viewers start free: over loopback their bandwidth estimate allows the top layer.
  await waitFor('viewer 1 at 640x480', () => smallR.lastKeyframe?.width === 640, 40_000);
  await waitFor('viewer 2 at 640x480', () => bigR.lastKeyframe?.width === 640, 40_000);

  // One shrinks to a thumbnail and caps itself at the lowest layer: it switches at that layer's next keyframe, while
  // the other viewer keeps the top layer. (Raising a cap again waits for mediasoup's bandwidth probing to climb.)
  expect(ok(await call(small.socket, 'media:setPreferredLayers', { roomId, consumerId: smallR.consumerId, spatialLayer: 0 }))).toEqual({
    preferredLayers: { spatialLayer: 0, temporalLayer: 0 },
  });
  await waitFor('the capped viewer to get 160x120', () => smallR.lastKeyframe?.width === 160, 40_000);
  expect(smallR.lastKeyframe).toEqual({ width: 160, height: 120 });
  const bigKeyframes = bigR.counters.keyframes;
  await waitFor('another keyframe at the free viewer', () => bigR.counters.keyframes > bigKeyframes, 30_000);
  expect(bigR.lastKeyframe).toEqual({ width: 640, height: 480 });

  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${roomId}/media/stats`, room.creator)).body;
  expect(stats.producers).toEqual([expect.objectContaining({ id: producerId, type: 'simulcast' })]);
}, 180_000); // a loaded 2-core box runs 3 encoders and 2 werift receivers here
