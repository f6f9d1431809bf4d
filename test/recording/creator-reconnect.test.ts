import { expect, it } from 'vitest';
import type { Recording, RecordingTimeline } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';
import { recordingNode, recordingsOf, untilSegments } from './helpers.ts';

const t = useTeardown();

it("a creator's reconnect within the grace keeps one seamless recording; a stream that really stopped and came back continues it after a marked gap", async () => {
  const { node } = await recordingNode(t);
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  const { roomId, creator } = room;
  const old = await room.joinCreator();
  const oldPeer = t.add(await WebRtcPeer.open(old, roomId));
  const send = await oldPeer.transport('send');
  await oldPeer.publishVp8(send);
  const first = await untilSegments(node, creator, roomId, 2);

  // The connection drops; the held producer lives on, and the new connection takes it back (media:reattach).
  old.io.engine.close();
  await waitFor(
    'the server to see the creator drop',
    () => ![...node.node.ctx.io.sockets.sockets.values()].some((s) => s.data.principal?.userId === 'creator1'),
  );
  const fresh = await room.joinCreator();
  ok(await call(fresh, 'media:reattach', { roomId, transportId: send.id }));
  await untilSegments(node, creator, roomId, 4);
  let recordings = await recordingsOf(node, creator, roomId);
  expect(recordings.map((r) => [r.id, r.status])).toEqual([[first.id, 'recording']]);
  let playlist = await (await fetch(`${node.url}${first.playlistUrl}`, { headers: { authorization: `Bearer ${creator}` } })).text();
  expect(playlist.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, playlist).toBe(1); // only the one at the start: seamless

  // The stream really stops (the track is closed) and is published again: the same recording goes on after a gap.
  const [producer] = ok(await call(fresh, 'media:capabilities', { roomId })).producers;
  ok(await call(fresh, 'media:closeProducer', { roomId, producerId: producer!.id }));
  const peer = t.add(await WebRtcPeer.open(fresh, roomId));
  await peer.publishVp8(await peer.transport('send'));
  await waitFor(
    'the gap on the timeline',
    async () =>
      (await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${first.id}/timeline`, creator)).body.entries.some(
        (e) => e.kind === 'gap',
      ),
    20_000,
    200,
  );
  await untilSegments(node, creator, roomId, 7);
  playlist = await (await fetch(`${node.url}${first.playlistUrl}`, { headers: { authorization: `Bearer ${creator}` } })).text();
  // One more discontinuity, at the gap (each part starts with one), and one gap on the timeline per extra part.
  const parts = playlist.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length;
  expect(parts, playlist).toBeGreaterThanOrEqual(2);
  const gaps = (await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${first.id}/timeline`, creator)).body.entries.filter(
    (e) => e.kind === 'gap',
  );
  expect(gaps.length).toBe(parts - 1);
  // Segment names stay unique across parts (the second ffmpeg continues the first's numbering).
  const names = playlist.split('\n').filter((l) => l.endsWith('.ts'));
  expect(new Set(names).size).toBe(names.length);

  expect((await api(node.url, 'POST', `/api/rooms/${roomId}/end`, creator)).status).toBe(200);
  const rec = await waitFor('ready', async () => {
    const r = await api<Recording>(node.url, 'GET', `/api/recordings/${first.id}`, creator);
    return r.body.status === 'ready' ? r.body : undefined;
  });
  recordings = await recordingsOf(node, creator, roomId);
  expect(recordings).toHaveLength(1);
  const gap = (await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${rec.id}/timeline`, creator)).body.entries.find(
    (e) => e.kind === 'gap',
  );
  expect(gap!.data.gapMs).toEqual(expect.any(Number));
  expect(gap!.offsetMs).toBeLessThanOrEqual(rec.durationMs);
}, 90_000);
