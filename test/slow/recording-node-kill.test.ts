import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { call, connect, ok } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { waitFor, type TestNode } from '../../harness/node.ts';
import { spawnNode } from '../../harness/nodeProcess.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';
import { firstFrameIsKey, probeDuration, untilSegments } from '../recording/helpers.ts';

const t = useTeardown();
const run = promisify(execFile);

/** ffmpeg processes writing under `dir` (the recorder's work directories). */
async function recorders(dir: string): Promise<number> {
  const { stdout } = await run('pgrep', ['-f', `ffmpeg.*${dir}`]).catch(() => ({ stdout: '' }));
  return stdout.trim().split('\n').filter(Boolean).length;
}

it('SIGKILL of the node mid-live leaves a playable recording up to the kill: every stored segment whole and listed, starting on keyframes; its ffmpeg exits by itself', async () => {
  const dir = await t.tempDir('hawker-rec-kill-');
  const proc = await spawnNode({ RECORDING: 'true', RECORDINGS_DIR: dir }, inject('redisUrl'));
  t.add(proc, (p) => p.kill());
  const node = { url: proc.url } as TestNode;
  const room = await liveRoom(proc.url, { agencyId: 'ag1' });
  const socket = t.add(await connect(proc.url, room.creator));
  ok(await call(socket, 'room:join', { roomId: room.roomId }));
  const peer = t.add(await WebRtcPeer.open(socket, room.roomId));
  await peer.publishVp8(await peer.transport('send'));
  const rec = await untilSegments(node, room.creator, room.roomId, 4);
  expect(await recorders(dir)).toBe(1);

  await proc.kill();
  // The stored playlist is whole and names only stored segments; each plays on its own from a keyframe.
  const text = await fs.readFile(path.join(dir, rec.id, 'index.m3u8'), 'utf8');
  const segments = text.split('\n').filter((l) => l.endsWith('.ts'));
  expect(segments.length).toBeGreaterThanOrEqual(4);
  for (const s of segments) expect(await firstFrameIsKey(path.join(dir, rec.id, s)), s).toBe(true);
  // Complete it as the replay route does for a recording no longer in progress, and measure it.
  const closed = path.join(dir, rec.id, 'closed.m3u8');
  await fs.writeFile(closed, `${text.trimEnd()}\n#EXT-X-ENDLIST\n`);
  expect(await probeDuration(closed)).toBeGreaterThanOrEqual(segments.length * 2 - 2.5);
  // The orphaned ffmpeg gets no more packets (the mediasoup workers died with the node) and exits after its listen
  // timeout: nothing left running.
  await waitFor('the orphaned ffmpeg to exit', async () => (await recorders(dir)) === 0, 40_000, 500);
}, 120_000);
