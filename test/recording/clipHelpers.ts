import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Clip } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor, type TestNode } from '../../harness/node.ts';
import type { Teardown } from '../../harness/teardown.ts';
import type { Domain } from '../../server/kernel/context.ts';
import type { ClipService } from '../../server/recording/index.ts';
import type { RecordingRow } from '../../server/recording/store.ts';
import { recordingOf } from './helpers.ts';

const run = promisify(execFile);

/**
 * A ready recording of `seconds` as the recorder stores it (H.264 + AAC in 2 s MPEG-TS segments, through the node's
 * storage), made from ffmpeg's test source: the real format without a live. (record-live.test.ts records a real live.)
 */
export async function storedRecording(
  t: Teardown,
  node: TestNode,
  r: { id: string; roomId: string; creatorId: string; agencyId: string | null; seconds: number },
): Promise<RecordingRow> {
  const { store, files } = recordingOf(node);
  const startedAt = Date.now() - r.seconds * 1000;
  const rec = await store.start({ id: r.id, roomId: r.roomId, creatorId: r.creatorId, agencyId: r.agencyId, startedAt });
  if (!rec) throw new Error(`room ${r.roomId} already has a recording in progress`);
  const work = await t.tempDir('hawker-clipsrc-');
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(r.seconds)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-force_key_frames', 'expr:gte(t,n_forced*2)'],
    ...['-c:a', 'aac', '-b:a', '64k'],
    ...['-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_playlist_type', 'event'],
    ...['-hls_segment_filename', path.join(work, 'seg%05d.ts'), path.join(work, 'index.m3u8')],
  ]);
  // Segments first, the playlist last, as the recorder stores them.
  const names = (await fs.readdir(work)).sort((a, b) => Number(a.endsWith('.m3u8')) - Number(b.endsWith('.m3u8')));
  for (const f of names) await files.write(rec.id, f, await fs.readFile(path.join(work, f)));
  await store.finish(rec.id, 'ready', { durationMs: r.seconds * 1000, bytes: 1 });
  return (await store.get(rec.id))!;
}

/** The node's clips domain (its cut hooks, its store). */
export function clipsOf(node: TestNode): ClipService {
  const domains = (node.node as unknown as { domains: (Domain & { service?: ClipService })[] }).domains;
  const d = domains.find((x) => x.name === 'clips');
  if (!d?.service) throw new Error('no clips domain on this node');
  return d.service;
}

/** Waits until the clip is no longer `cutting`; returns it as `token` reads it. */
export async function untilCut(node: TestNode, token: string, clipId: string): Promise<Clip> {
  return waitFor(
    `clip ${clipId} to be cut`,
    async () => {
      const res = await api<Clip>(node.url, 'GET', `/api/clips/${clipId}`, token);
      return res.status === 200 && res.body.status !== 'cutting' ? res.body : undefined;
    },
    60_000,
    200,
  );
}
