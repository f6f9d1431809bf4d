import { expect, it } from 'vitest';
import type { Recording } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

it('every recording endpoint answers bad input with a typed error and reads nothing outside the recording: unknown ids, malformed ids, traversal attempts, wrong roles', async () => {
  const { node } = await recordingNode(t);
  const { store, files } = recordingOf(node);
  // Two recordings without media: one ready (of agency ag1's room), one failed (of agency ag2's room).
  const a = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  const b = t.add(await liveRoom(node.url, { agencyId: 'ag2', creatorId: 'creator2' }));
  const ready = await store.start({ id: 'recReady1', roomId: a.roomId, creatorId: 'creator1', agencyId: 'ag1', startedAt: Date.now() });
  const failed = await store.start({ id: 'recFailed1', roomId: b.roomId, creatorId: 'creator2', agencyId: 'ag2', startedAt: Date.now() });
  await store.finish(ready!.id, 'ready', { durationMs: 2000, bytes: 10 });
  await store.finish(failed!.id, 'failed', { durationMs: 0, bytes: 0, failureReason: 'storage write failed: ENOSPC' });
  await files.write(ready!.id, 'index.m3u8', Buffer.from('#EXTM3U\n#EXTINF:2.0,\nseg00000.ts\n'));
  await files.write(ready!.id, 'seg00000.ts', Buffer.from('not really a segment'));

  const viewer = await tokenFor(node.url, 'v1');
  const otherAgencyOwner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  const bOwner = await tokenFor(node.url, 'owner2', 'agency', 'ag2');
  const get = (path: string, token: string | undefined = viewer) => api<{ error?: { code: string } }>(node.url, 'GET', path, token);
  const code = async (path: string, token?: string) => {
    const r = await get(path, token);
    return [r.status, r.body?.error?.code];
  };

  // What works, for the record.
  expect((await get(`/api/recordings/${ready!.id}`)).status).toBe(200);
  const playlist = await fetch(`${node.url}/api/recordings/${ready!.id}/files/index.m3u8`, {
    headers: { authorization: `Bearer ${viewer}` },
  });
  expect(playlist.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
  expect(await playlist.text()).toContain('#EXT-X-ENDLIST'); // a ready recording's playlist is complete
  const seg = await fetch(`${node.url}/api/recordings/${ready!.id}/files/seg00000.ts`, { headers: { authorization: `Bearer ${viewer}` } });
  expect(seg.headers.get('content-type')).toBe('video/mp2t');

  // No token.
  expect(await code(`/api/recordings/${ready!.id}`, '')).toEqual([401, 'UNAUTHENTICATED']);
  expect(await code(`/api/recordings/${ready!.id}/files/index.m3u8`, '')).toEqual([401, 'UNAUTHENTICATED']);
  // Unknown ids.
  expect(await code('/api/recordings/nope')).toEqual([404, 'NOT_FOUND']);
  expect(await code('/api/recordings/nope/timeline')).toEqual([404, 'NOT_FOUND']);
  expect(await code('/api/recordings/nope/files/index.m3u8')).toEqual([404, 'NOT_FOUND']);
  expect(await code('/api/recordings?roomId=nope')).toEqual([404, 'NOT_FOUND']);
  expect(await code(`/api/recordings/${ready!.id}/files/seg00009.ts`)).toEqual([404, 'NOT_FOUND']);
  // Malformed ids and queries.
  expect(await code(`/api/recordings/${'x'.repeat(65)}`)).toEqual([400, 'BAD_REQUEST']);
  expect(await code('/api/recordings/bad%20id')).toEqual([400, 'BAD_REQUEST']);
  expect(await code('/api/recordings')).toEqual([400, 'BAD_REQUEST']);
  expect(await code(`/api/recordings?roomId=${a.roomId}&creatorId=creator1`)).toEqual([400, 'BAD_REQUEST']);
  expect(await code(`/api/recordings?roomId=${a.roomId}&limit=1000`)).toEqual([400, 'BAD_REQUEST']);
  expect(await code(`/api/recordings?roomId=${a.roomId}&extra=1`)).toEqual([400, 'BAD_REQUEST']);
  expect(await code(`/api/recordings/${ready!.id}/timeline?limit=0`)).toEqual([400, 'BAD_REQUEST']);
  expect(await code(`/api/recordings/${ready!.id}/timeline?chat=maybe`)).toEqual([400, 'BAD_REQUEST']);
  // Traversal: encoded slashes and dots, other files of the directory, absolute paths. None reads a file.
  for (const file of [
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '..%2FrecFailed1%2Findex.m3u8',
    '%2E%2E%2Findex.m3u8',
    'index.m3u8.tmp',
    '.index.m3u8',
    'input.sdp',
    '%2Fetc%2Fpasswd',
    'seg00000.ts%00.m3u8',
    'SEG00000.TS',
  ]) {
    expect(await code(`/api/recordings/${ready!.id}/files/${file}`), file).toEqual([400, 'BAD_REQUEST']);
  }
  expect(await code('/api/recordings/..%2F..%2Fetc/files/index.m3u8')).toEqual([400, 'BAD_REQUEST']);
  const walked = await get(`/api/recordings/${ready!.id}/files/../../../../etc/passwd`);
  expect(walked.status).toBe(404); // normalized by the client to another route: no such endpoint
  expect(JSON.stringify(walked.body)).not.toContain('root:');
  // The storage refuses names outside the recording whoever calls it.
  expect(() => (files as unknown as { resolve(i: string, n: string): string }).resolve('recReady1', '../x')).toThrow();

  // Another agency's failed recording: its room's staff only (a viewer, another agency's owner: FORBIDDEN, not listed).
  expect(await code(`/api/recordings/${failed!.id}`)).toEqual([403, 'FORBIDDEN']);
  expect(await code(`/api/recordings/${failed!.id}`, otherAgencyOwner)).toEqual([403, 'FORBIDDEN']);
  expect(await code(`/api/recordings/${failed!.id}/timeline`, otherAgencyOwner)).toEqual([403, 'FORBIDDEN']);
  expect(await code(`/api/recordings/${failed!.id}/files/index.m3u8`, otherAgencyOwner)).toEqual([403, 'FORBIDDEN']);
  const listed = await api<{ recordings: Recording[] }>(node.url, 'GET', `/api/recordings?roomId=${b.roomId}`, otherAgencyOwner);
  expect(listed.body.recordings).toEqual([]);
  const own = await api<Recording>(node.url, 'GET', `/api/recordings/${failed!.id}`, bOwner);
  expect(own.body).toMatchObject({ status: 'failed', failureReason: 'storage write failed: ENOSPC' });
  // Another agency's ready recording is a public replay, like its room.
  expect((await get(`/api/recordings/${ready!.id}`, bOwner)).status).toBe(200);
  const byCreator = await api<{ recordings: Recording[] }>(node.url, 'GET', '/api/recordings?creatorId=creator1', viewer);
  expect(byCreator.body.recordings.map((r) => r.id)).toEqual([ready!.id]);

  // Nothing above changed a recording.
  expect(await store.get(ready!.id)).toMatchObject({ status: 'ready', durationMs: 2000, bytes: 10 });
  expect(await store.get(failed!.id)).toMatchObject({ status: 'failed', bytes: 0 });
}, 60_000);
