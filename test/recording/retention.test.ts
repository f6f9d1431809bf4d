import { expect, it } from 'vitest';
import type { Recording } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { S3RVER_CREDENTIALS, startS3 } from '../../harness/s3.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { S3Storage } from '../../server/recording/index.ts';
import { recordingNode, recordingOf, recordingsOf } from './helpers.ts';

const t = useTeardown();

it('the retention job (BullMQ, repeatable) deletes expired recordings’ media from S3 and nothing else: younger and in-progress recordings and clips stay', async () => {
  const s3 = await startS3(t, 'hawker-retention');
  const { node } = await recordingNode(t, {
    MEDIA_STORAGE: 's3',
    MEDIA_S3_ENDPOINT: s3.endpoint,
    MEDIA_S3_BUCKET: s3.bucket,
    MEDIA_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    MEDIA_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    RECORDING_RETENTION_DAYS: '1',
    RECORDING_RETENTION_EVERY_MS: '1000',
  });
  const service = recordingOf(node);
  expect(service.mediaStorage).toBeInstanceOf(S3Storage);
  const { store } = service;
  const media = service.mediaStorage;

  // Four recordings of four rooms: two ended more than a day ago (one ready, one failed), one ended an hour ago, one
  // started three days ago and still in progress (a long live). Plus a clip's files in the same bucket.
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push(t.add(await liveRoom(node.url, { agencyId: 'agRet', creatorId: `creatorRet${i}` })));
  const ids = ['oldReady', 'oldFailed', 'young', 'longLive'];
  for (const [i, id] of ids.entries()) {
    await store.start({
      id,
      roomId: rooms[i]!.roomId,
      creatorId: `creatorRet${i}`,
      agencyId: 'agRet',
      startedAt: Date.now() - 3 * 86_400_000,
    });
    await media.write(id, 'index.m3u8', Buffer.from('#EXTM3U\n#EXTINF:2.0,\nseg00000.ts\n'));
    await media.write(id, 'seg00000.ts', Buffer.alloc(1000, i));
    await store.appendEvents(rooms[i]!.roomId, [{ at: Date.now(), kind: 'pin', productId: 'p1', data: {} }]);
  }
  await media.write('clipKeep1', 'clip.mp4', Buffer.from('a clip is kept until deleted'));
  await store.finish('oldReady', 'ready', { durationMs: 2000, bytes: 1000 });
  await store.finish('oldFailed', 'failed', { durationMs: 2000, bytes: 1000, failureReason: 'test' });
  await store.finish('young', 'ready', { durationMs: 2000, bytes: 1000 });
  await store.db.query(`UPDATE recordings SET ended_at = clock_timestamp() - interval '25 hours' WHERE id IN ('oldReady', 'oldFailed')`);
  await store.db.query(`UPDATE recordings SET ended_at = clock_timestamp() - interval '1 hour' WHERE id = 'young'`);
  await store.touch('longLive'); // its heartbeat: the sweep leaves it recording

  // The job runs on its own (every second here): both old ones expire.
  await waitFor(
    'the retention job to expire the old recordings',
    async () => (await store.get('oldReady'))?.expiredAt && (await store.get('oldFailed'))?.expiredAt,
    30_000,
    200,
  );
  for (const id of ['oldReady', 'oldFailed']) {
    expect(await media.list(id)).toEqual([]);
    const row = await store.get(id);
    expect(row?.bytes).toBe(1000); // the row stays, for the record
    expect((await store.db.query('SELECT 1 FROM recording_events WHERE recording_id = $1', [id])).rowCount).toBe(0);
  }
  // Nothing else went: the young and the in-progress recordings, their timelines, the clip.
  expect((await media.list('young')).map((f) => f.name)).toEqual(['index.m3u8', 'seg00000.ts']);
  expect((await media.list('longLive')).map((f) => f.name)).toEqual(['index.m3u8', 'seg00000.ts']);
  expect((await media.read('clipKeep1', 'clip.mp4'))?.toString()).toBe('a clip is kept until deleted');
  expect((await store.get('young'))?.expiredAt).toBeNull();
  expect(await store.get('longLive')).toMatchObject({ status: 'recording', expiredAt: null });
  expect((await store.db.query(`SELECT 1 FROM recording_events WHERE recording_id IN ('young', 'longLive')`)).rowCount).toBe(2);

  // Over REST an expired recording is gone (NOT_FOUND, not listed); the young one plays from S3 through the node.
  const viewer = await tokenFor(node.url, 'vRet');
  expect((await api<Recording>(node.url, 'GET', '/api/recordings/oldReady', viewer)).status).toBe(404);
  expect((await api(node.url, 'GET', '/api/recordings/oldReady/files/index.m3u8', viewer)).status).toBe(404);
  expect(await recordingsOf(node, viewer, rooms[0]!.roomId)).toEqual([]);
  expect((await recordingsOf(node, viewer, rooms[2]!.roomId)).map((r) => r.id)).toEqual(['young']);
  const seg = await fetch(`${node.url}/api/recordings/young/files/seg00000.ts`, { headers: { authorization: `Bearer ${viewer}` } });
  expect(seg.status).toBe(200);
  expect(Buffer.from(await seg.arrayBuffer()).equals(Buffer.alloc(1000, 2))).toBe(true);
}, 120_000);
