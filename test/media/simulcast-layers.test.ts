import { afterEach, expect, it } from 'vitest';
import type { RoomMediaStats } from '../../server/protocol/index.ts';
import { api, call, ok } from '../helpers/clients.ts';
import { liveRoom, type LiveRoom } from '../helpers/liveRoom.ts';
import { startNode, waitFor, type TestNode } from '../helpers/node.ts';
import { WebRtcPeer } from '../helpers/webrtc.ts';

let node: TestNode | undefined;
let room: LiveRoom | undefined;
const peers: WebRtcPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  room?.close();
  await node?.close();
  node = room = undefined;
});

it('a simulcast creator: each viewer gets the layer its preference and bandwidth allow, and switches when it changes', async () => {
  node = await startNode();
  room = await liveRoom(node);
  const { roomId } = room;
  const creator = await WebRtcPeer.open(await room.joinCreator(), roomId);
  peers.push(creator);
  const { producerId } = await creator.publishVp8Simulcast(await creator.transport('send'), [
    { width: 160, height: 120, bitrate: '100k' },
    { width: 320, height: 240, bitrate: '250k' },
    { width: 640, height: 480, bitrate: '500k' },
  ]);
  const small = await WebRtcPeer.open(await room.join('small'), roomId);
  const big = await WebRtcPeer.open(await room.join('big'), roomId);
  peers.push(small, big);
  const smallR = await small.consume(await small.transport('recv'), producerId);
  const bigR = await big.consume(await big.transport('recv'), producerId);
  expect([smallR.type, bigR.type]).toEqual(['simulcast', 'simulcast']);

  // A thumbnail player caps itself at the lowest layer; the other viewer is free (loopback bandwidth: the top layer).
  expect(ok(await call(small.socket, 'media:setPreferredLayers', { roomId, consumerId: smallR.consumerId, spatialLayer: 0 }))).toEqual({
    preferredLayers: { spatialLayer: 0, temporalLayer: 0 },
  });
  await waitFor('the capped viewer to get 160x120', () => smallR.lastKeyframe?.width === 160, 20_000);
  await waitFor('the free viewer to reach 640x480', () => bigR.lastKeyframe?.width === 640, 20_000);
  expect(smallR.lastKeyframe).toEqual({ width: 160, height: 120 });

  // Full screen: the cap goes up and the viewer moves up a layer as its bandwidth estimate grows (mediasoup probes
  // upwards one layer at a time, each switch at a keyframe of the new layer).
  ok(await call(small.socket, 'media:setPreferredLayers', { roomId, consumerId: smallR.consumerId, spatialLayer: 2 }));
  await waitFor('the viewer to switch up', () => (smallR.lastKeyframe?.width ?? 0) > 160, 40_000);

  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${roomId}/media/stats`, room.creatorToken)).body;
  expect(stats.producers).toEqual([expect.objectContaining({ id: producerId, type: 'simulcast' })]);
});
