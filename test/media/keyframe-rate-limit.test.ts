import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

const VIEWERS = 5;

/**
 * Viewers join one after another, each only once the previous one decoded a keyframe (so no request is still pending
 * and mediasoup's own "one request until a keyframe arrives" does not merge them). Returns how many keyframe requests
 * (PLI + FIR) reached the creator's encoder.
 */
async function keyframeRequestsFor(delayMs: number): Promise<number> {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS: String(delayMs) });
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), room.roomId));
  const { producerId } = await creator.publishVp8(await creator.transport('send'));
  for (let i = 0; i < VIEWERS; i++) {
    const v = t.add(await WebRtcPeer.open(await room.join(`viewer${i}`), room.roomId));
    const r = await v.consume(await v.transport('recv'), producerId);
    await waitFor('a keyframe at the viewer', () => r.counters.keyframes > 0, 20_000);
  }
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator)).body;
  const requests = stats.producers[0]!.keyFrameRequests;
  await t.run(); // close this node now: the next measurement starts on a fresh one
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
