import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { Recording, Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { devIdentity, poll, useBrowser } from '../../harness/browser.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { recordingNode, recordingOf, untilSegments } from './helpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);
const run = promisify(execFile);

it("a creator live from Chromium's studio (fake camera and microphone) in a recording room publishes H.264, recorded by remux (-c:v copy) with both tracks: H.264 video and AAC audio", async () => {
  const { node, dir } = await recordingNode(t);
  const creator = await devIdentity(node.url, { userId: 'c-rec', name: 'Mia Chen', role: 'creator', agencyId: 'ag-rec' });
  const created = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Recorded drop' })).body;
  const studio = await openPage(`${node.url}/studio?room=${created.id}`, { identity: creator });
  await waitFor('camera preview', () => studio.page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0));
  await studio.page.getByTestId('go-live').click();
  await poll(() => studio.page.getByTestId('room-status').textContent()).toBe('Live');

  // Generous: on a loaded 2-core box Chromium's encoder and ffmpeg's start can take most of a minute.
  const rec = await untilSegments(node, creator.token, created.id, 3, 120_000);
  // The room records (its default): the SDK asked Chromium for H.264, and the recorder copies it instead of re-encoding.
  const recorder = recordingOf(node).recorder(created.id);
  expect({ codec: recorder?.videoCodec, route: recorder?.videoRoute }).toEqual({ codec: 'video/H264', route: 'copy' });
  expect((await api(node.url, 'POST', `/api/rooms/${created.id}/end`, creator.token)).status).toBe(200);
  await waitFor(
    'ready',
    async () => (await api<Recording>(node.url, 'GET', `/api/recordings/${rec.id}`, creator.token)).body.status === 'ready',
    20_000,
  );
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,codec_name',
    '-of',
    'csv=p=0',
    path.join(dir, rec.id, 'seg00001.ts'),
  ]);
  // ffprobe lists the streams, then again under the TS program: the distinct ones.
  expect([...new Set(stdout.split('\n').filter(Boolean))].sort()).toEqual(['aac,audio', 'h264,video']);
  // Copied, not transcoded: the segment keeps Chromium's profile (constrained baseline), where libx264 gives High.
  const profile = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile', '-of', 'csv=p=0'],
    path.join(dir, rec.id, 'seg00001.ts'),
  ]);
  expect(profile.stdout.trim().split('\n')[0]).toMatch(/^(Constrained )?Baseline$/);
}, 240_000);
