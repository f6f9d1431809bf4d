import { describe, expect, it, vi } from 'vitest';
import type { Clip } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { S3RVER_CREDENTIALS, startS3 } from '../../harness/s3.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { LocalDiskStorage, S3Storage, StorageError } from '../../server/recording/index.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { clipsOf, storedRecording, untilCut } from './clipHelpers.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

const storages = {
  local: async () => ({}),
  s3: async () => {
    const s3 = await startS3(t, 'hawker-clip-delete');
    return {
      MEDIA_STORAGE: 's3',
      MEDIA_S3_ENDPOINT: s3.endpoint,
      MEDIA_S3_BUCKET: s3.bucket,
      MEDIA_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      MEDIA_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
  },
};

describe.each(Object.keys(storages) as (keyof typeof storages)[])('deleting a clip (%s storage)', (kind) => {
  it('removes its files from the storage and frees its quota bytes; a storage failure leaves no visible clip and the sweep deletes the files later', async () => {
    const { node } = await recordingNode(t, await storages[kind]());
    const recording = recordingOf(node);
    const clips = clipsOf(node);
    const media = recording.mediaStorage;
    expect(media).toBeInstanceOf(kind === 's3' ? S3Storage : LocalDiskStorage);
    const { creator, shop } = await creatorWithShop(node);
    const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
    const r = await room(node, creator);
    await select(node, creator, r.id, jade.id);
    const rec = await storedRecording(t, node, { id: `delSrc${kind}`, roomId: r.id, creatorId: 'c1', agencyId: 'ag1', seconds: 6 });
    const pending = async (clipId: string) =>
      (await node.node.ctx.db.query('SELECT attempts, last_error FROM clip_file_deletions WHERE clip_id = $1', [clipId])).rows;

    const cut = async (title: string): Promise<Clip> => {
      const made = await api<Clip>(node.url, 'POST', '/api/clips', creator, {
        recordingId: rec.id,
        startMs: 1_000,
        endMs: 5_000,
        title,
        productIds: [jade.id],
      });
      expect(made.status).toBe(202);
      const clip = await untilCut(node, creator, made.body.id);
      expect(clip.status).toBe('ready');
      expect((await api(node.url, 'POST', `/api/clips/${clip.id}/publish`, creator)).status).toBe(200);
      return clip;
    };

    // A ready clip: its files in the storage, its bytes in the agency's media quota.
    const first = await cut('Deleted for good');
    const files = await media.list(first.id);
    expect(files.map((f) => f.name)).toContain('index.m3u8');
    expect(files.some((f) => f.name.endsWith('.ts'))).toBe(true);
    const clipBytes = files.filter((f) => f.name.endsWith('.ts')).reduce((n, f) => n + f.size, 0);
    const before = await recording.quota.used('ag1');

    expect((await api(node.url, 'DELETE', `/api/clips/${first.id}`, creator)).status).toBe(200);
    expect(await media.list(first.id)).toEqual([]);
    expect(await pending(first.id)).toEqual([]);
    expect(before - (await recording.quota.used('ag1'))).toBe(clipBytes);
    expect((await api(node.url, 'GET', `/api/clips/${first.id}`, creator)).status).toBe(404);
    // The recording's own files are untouched.
    expect((await media.list(rec.id)).length).toBeGreaterThan(1);

    // The storage fails the delete (unreachable): the clip is gone all the same; its files wait for the sweep.
    const second = await cut('Deleted while the storage is down');
    const deleteAll = vi
      .spyOn(media, 'deleteAll')
      .mockRejectedValueOnce(new StorageError('UNAVAILABLE', `deleting ${second.id}'s files: the store is unreachable`));
    expect((await api(node.url, 'DELETE', `/api/clips/${second.id}`, creator)).status).toBe(200);
    expect(deleteAll).toHaveBeenCalledTimes(1);
    expect((await api(node.url, 'GET', `/api/clips/${second.id}`, creator)).status).toBe(404);
    expect((await api<{ clips: Clip[] }>(node.url, 'GET', '/api/clips', creator)).body.clips).toEqual([]);
    expect((await api(node.url, 'GET', `/api/clips/${second.id}/files/index.m3u8`, creator)).status).toBe(404);
    expect((await media.list(second.id)).length).toBeGreaterThan(0);
    expect(await pending(second.id)).toEqual([{ attempts: 1, last_error: expect.stringContaining('unreachable') }]);
    // Not retried before FILE_RETRY_MS since the last attempt; then (idle 0 here) the sweep deletes them.
    expect(await clips.purgeDeletedFiles()).toEqual([]);
    expect(await clips.purgeDeletedFiles(0)).toEqual([second.id]);
    expect(deleteAll).toHaveBeenCalledTimes(2);
    expect(await media.list(second.id)).toEqual([]);
    expect(await pending(second.id)).toEqual([]);
    // Deleting an already deleted clip changes nothing.
    expect((await api(node.url, 'DELETE', `/api/clips/${second.id}`, creator)).status).toBe(404);
    deleteAll.mockRestore();
  }, 120_000);
});
