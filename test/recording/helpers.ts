import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Recording, RecordingList } from '@hawker/protocol';
import type { z } from 'zod';
import { api } from '../../harness/clients.ts';
import { addRoomProduct, liveRoomWithProduct } from '../../harness/commerce.ts';
import { startNode, waitFor, type TestNode } from '../../harness/node.ts';
import type { Teardown } from '../../harness/teardown.ts';
import type { Domain } from '../../server/kernel/context.ts';
import type { RecordingService } from '../../server/recording/index.ts';

const run = promisify(execFile);

/** A node that records (RECORDING on, its files in a fresh temporary directory) with a fast commerce tick. */
export async function recordingNode(t: Teardown, env: Record<string, string> = {}): Promise<{ node: TestNode; dir: string }> {
  const dir = await t.tempDir('hawker-rec-');
  const node = t.add(await startNode({ RECORDING: 'true', RECORDINGS_DIR: dir, COMMERCE_TICK_MS: '100', ...env }));
  return { node, dir };
}

/** The node's recording domain (to swap its storage for a failing fake). */
export function recordingOf(node: TestNode): RecordingService {
  const domains = (node.node as unknown as { domains: (Domain & { service?: RecordingService })[] }).domains;
  const d = domains.find((x) => x.name === 'recording');
  if (!d?.service) throw new Error('no recording domain on this node');
  return d.service;
}

/** The room's recordings, as `token` lists them. */
export async function recordingsOf(node: TestNode, token: string, roomId: string): Promise<Recording[]> {
  const res = await api<z.infer<typeof RecordingList>>(node.url, 'GET', `/api/recordings?roomId=${roomId}`, token);
  if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.recordings;
}

/** Waits until the room's recording has `n` segments in storage (its playlist, read over REST, lists them). */
export async function untilSegments(node: TestNode, token: string, roomId: string, n: number, timeoutMs = 30_000): Promise<Recording> {
  return waitFor(
    `the recording to have ${n} segments`,
    async () => {
      const [rec] = await recordingsOf(node, token, roomId);
      if (!rec) return undefined;
      const res = await fetch(`${node.url}${rec.playlistUrl}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) return undefined;
      const segments = (await res.text()).split('\n').filter((l) => l.endsWith('.ts')).length;
      return segments >= n ? rec : undefined;
    },
    timeoutMs,
    200,
  );
}

/** ffprobe's duration of a media file or playlist (a file, or a URL read with `token`), seconds. */
export async function probeDuration(file: string, token?: string): Promise<number> {
  const headers = token ? ['-headers', `Authorization: Bearer ${token}\r\n`] : [];
  const { stdout } = await run('ffprobe', ['-v', 'error', ...headers, '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number.parseFloat(stdout.trim());
}

/** Whether the first video frame of a segment is a keyframe (ffprobe -show_frames). */
export async function firstFrameIsKey(file: string): Promise<boolean> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-read_intervals',
    '%+#1',
    '-show_entries',
    'frame=key_frame',
    '-of',
    'csv=p=0',
    file,
  ]);
  return stdout.trim().split('\n')[0]?.split(',')[0]?.trim() === '1';
}

/**
 * A recording node with a live room of two products, as the timeline tests use it: the harness's scarf and a straw
 * hat (so pins can switch between them).
 */
export async function recordedShop(t: Teardown, env: Record<string, string> = {}) {
  const { node, dir } = await recordingNode(t, env);
  const { creator, room, product: scarf } = await liveRoomWithProduct(node);
  const hat = await addRoomProduct(node, creator, room.id, {
    title: 'Straw hat',
    imageUrl: 'https://img.example.com/hat.jpg',
    price: 2500,
    stock: 50,
  });
  return { node, dir, creator, roomId: room.id, scarf, hat };
}
