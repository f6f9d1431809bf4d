import { expect, it } from 'vitest';
import type { Recording, RecordingTimeline } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';
import { recordedShop, recordingOf, recordingsOf, untilSegments } from './helpers.ts';

const t = useTeardown();

/** How long the seam holds the recorder's first media: well past the 1 s the test allows, short of ffmpeg's 10 s listen timeout. */
const HOLD_MS = 4_000;

it("timeline offsets count from the recording's first frame, not from when its recorder started (a slow ffmpeg start under load)", async () => {
  const { node, creator, roomId, scarf, hat } = await recordedShop(t);
  // The seam: ffmpeg listens and the recording counts as started, but its first packet comes HOLD_MS later, as when a
  // loaded machine's ffmpeg takes its first frame late. The media's time 0 is then (about) when the hold ends.
  let mediaFrom: number | undefined;
  recordingOf(node).recorderHooks.holdMedia = () =>
    new Promise((resolve) =>
      setTimeout(() => {
        mediaFrom = Date.now();
        resolve();
      }, HOLD_MS),
    );

  const socket = t.add(await connect(node.url, creator));
  ok(await call(socket, 'room:join', { roomId }));
  const peer = t.add(await WebRtcPeer.open(socket, roomId));
  // A keyframe every 0.2 s: the first frame ffmpeg can decode comes within 0.2 s of the hold's end.
  await peer.publishVp8(await peer.transport('send'), { gop: 6 });
  const recording = await waitFor('the recording to start', async () => (await recordingsOf(node, creator, roomId))[0], 30_000, 50);
  const released = await waitFor('the held media to flow', () => mediaFrom, 30_000, 20);

  // A moment before the first segment lands (written against the recorder's start, then moved with the base) and
  // one after it (written against the first frame).
  const early = (await api<{ pinnedAt: number }>(node.url, 'PUT', `/api/rooms/${roomId}/pin`, creator, { productId: scarf.id })).body;
  // Segments of 2 s: by the fifth, ffmpeg has caught up with the live after its start (the base's best bound).
  await untilSegments(node, creator, roomId, 5, 120_000);
  const late = (await api<{ pinnedAt: number }>(node.url, 'PUT', `/api/rooms/${roomId}/pin`, creator, { productId: hat.id })).body;
  const timeline = () =>
    api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${recording.id}/timeline`, creator).then((r) => r.body.entries);
  await waitFor('both pins on the timeline', async () => (await timeline()).filter((e) => e.kind === 'pin').length === 2, 30_000, 100);

  // Ended, the recording's timeline is final.
  expect((await api(node.url, 'POST', `/api/rooms/${roomId}/end`, creator)).status).toBe(200);
  const ready = await waitFor(
    'the recording to be ready',
    async () => {
      const r = await api<Recording>(node.url, 'GET', `/api/recordings/${recording.id}`, creator);
      return r.body.status === 'ready' ? r.body : undefined;
    },
    60_000,
    100,
  );
  const entries = await timeline();
  const offsetOf = (productId: string) => entries.find((e) => e.kind === 'pin' && e.productId === productId)?.offsetMs;
  // Each pin's offset is its media time: how long after the first frame it happened (within 1 s).
  expect(Math.abs(offsetOf(scarf.id)! - (early.pinnedAt - released))).toBeLessThanOrEqual(1_000);
  expect(Math.abs(offsetOf(hat.id)! - (late.pinnedAt - released))).toBeLessThanOrEqual(1_000);
  // The recording's startedAt is that base too, so `at - startedAt` is a moment's place in the media.
  expect(Math.abs(ready.startedAt - released)).toBeLessThanOrEqual(1_000);
  expect(ready.startedAt).toBeGreaterThan(recording.startedAt + HOLD_MS / 2);
}, 300_000);
