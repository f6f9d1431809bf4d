import { afterEach, expect, it } from 'vitest';
import type { RoomMediaStats } from '../../server/protocol/index.ts';
import { api } from '../helpers/clients.ts';
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

const VIEWERS = 5;

/**
 * Viewers join one after another, each only once the previous one decoded a keyframe (so no request is still pending
 * and mediasoup's own "one request until a keyframe arrives" does not merge them). Returns how many keyframe requests
 * (PLI + FIR) reached the creator's encoder.
 */
async function keyframeRequestsFor(delayMs: number): Promise<number> {
  node = await startNode({ MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS: String(delayMs) });
  room = await liveRoom(node);
  const creator = await WebRtcPeer.open(await room.joinCreator(), room.roomId);
  peers.push(creator);
  const { producerId } = await creator.publishVp8(await creator.transport('send'));
  for (let i = 0; i < VIEWERS; i++) {
    const v = await WebRtcPeer.open(await room.join(`viewer${i}`), room.roomId);
    peers.push(v);
    const r = await v.consume(await v.transport('recv'), producerId);
    await waitFor('a keyframe at the viewer', () => r.counters.keyframes > 0, 20_000);
  }
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creatorToken)).body;
  const requests = stats.producers[0]!.keyFrameRequests;
  for (const p of peers.splice(0)) p.close();
  room.close();
  await node.close();
  node = room = undefined;
  return requests;
}

it('keyframe requests from a stream of joining viewers are coalesced into one per MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS', async () => {
  // Without a delay joining viewers cost the encoder a keyframe each (about one per viewer; mediasoup still merges a
  // request made while an earlier one waits for its keyframe, which a loaded machine makes more likely)...
  expect(await keyframeRequestsFor(0)).toBeGreaterThanOrEqual(3);
  // ...with one (longer than this test), the first request goes through and the rest wait for the delay to expire.
  // (At most one retry, if the first keyframe took over a second to arrive.)
  expect(await keyframeRequestsFor(60_000)).toBeLessThanOrEqual(2);
}, 120_000); // two nodes, one after the other
