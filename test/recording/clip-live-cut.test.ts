import { expect, it } from 'vitest';
import type { Clip, Recording } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';
import { creatorWithShop, select, simpleShopProduct } from '../channels/fixtures.ts';
import { untilCut } from './clipHelpers.ts';
import { probeDuration, recordingNode, untilSegments } from './helpers.ts';

const t = useTeardown();

it('"clip the last 10 s" during the live cuts from the recording in progress (its stored segments so far): a 10 s clip, the live still recording', async () => {
  const { node } = await recordingNode(t);
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c1' }));
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  await select(node, creator, room.roomId, jade.id);
  const socket = await room.joinCreator();
  const peer = t.add(await WebRtcPeer.open(socket, room.roomId, { video: 'H264' }));
  await peer.publishH264(await peer.transport('send'), { gop: 60 });
  const rec = await untilSegments(node, room.creator, room.roomId, 6, 90_000);

  const made = await api<Clip>(node.url, 'POST', '/api/clips', creator, {
    recordingId: rec.id,
    lastMs: 10_000,
    title: 'Just now',
    productIds: [jade.id],
  });
  expect(made.status).toBe(202);
  // The range is the last 10 s of what was stored when the request came.
  expect(made.body.endMs - made.body.startMs).toBe(10_000);
  expect(made.body.endMs).toBeGreaterThanOrEqual(10_000);
  const clip = await untilCut(node, creator, made.body.id);
  expect(clip.status).toBe('ready');
  expect(Math.abs(clip.durationMs - 10_000)).toBeLessThanOrEqual(2_000);
  expect(Math.abs((await probeDuration(`${node.url}${clip.playlistUrl}`, creator)) - 10)).toBeLessThanOrEqual(2);
  // The live goes on recording.
  expect((await api<Recording>(node.url, 'GET', `/api/recordings/${rec.id}`, creator)).body.status).toBe('recording');
}, 200_000);
