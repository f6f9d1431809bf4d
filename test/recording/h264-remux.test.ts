import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { Recording, Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';
import { firstFrameIsKey, probeDuration, recordingNode, untilSegments } from './helpers.ts';

const run = promisify(execFile);
const t = useTeardown();

it('a creator publishing H.264 is recorded by remux (the stream copied, not re-encoded): playable segments, each on a keyframe', async () => {
  const { node, dir } = await recordingNode(t);
  const room = t.add(await liveRoom(node.url, { agencyId: 'agH264' }));
  const socket = await room.joinCreator();
  const peer = t.add(await WebRtcPeer.open(socket, room.roomId, { video: 'H264' }));
  await peer.publishH264(await peer.transport('send'), { gop: 60 });
  const rec = await untilSegments(node, room.creator, room.roomId, 3, 60_000);
  expect((await api<Room>(node.url, 'POST', `/api/rooms/${room.roomId}/end`, room.creator)).status).toBe(200);
  const ready = await waitFor('the recording to be ready', async () => {
    const r = await api<Recording>(node.url, 'GET', `/api/recordings/${rec.id}`, room.creator);
    return r.body.status === 'ready' ? r.body : undefined;
  });
  expect(await probeDuration(`${node.url}${ready.playlistUrl}`, room.creator)).toBeGreaterThan(3);
  const segments = (await fs.readdir(path.join(dir, rec.id))).filter((f) => f.endsWith('.ts')).sort();
  expect(segments.length).toBeGreaterThanOrEqual(3);
  for (const s of segments) expect(await firstFrameIsKey(path.join(dir, rec.id, s)), s).toBe(true);
  // Copied, not transcoded: the segments keep the publisher's profile (libx264 baseline), where the transcode route
  // would give libx264's default (High).
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile', '-of', 'csv=p=0'],
    path.join(dir, rec.id, segments[0]!),
  ]);
  expect(stdout.trim().split('\n')[0]).toMatch(/^h264,(Constrained )?Baseline$/);
}, 120_000);
