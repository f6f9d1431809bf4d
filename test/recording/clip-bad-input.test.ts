import { expect, it } from 'vitest';
import type { Clip, ClipList } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { storedRecording, untilCut } from './clipHelpers.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

it('bad clip input is refused with typed errors naming the limit, and changes nothing: ranges outside the recording, negative or huge lengths, another agency, oversize titles, unknown products, the cutting line, the per-creator quota', async () => {
  const { node } = await recordingNode(t, {
    CLIP_MAX_MS: '8000',
    CLIPS_PER_CREATOR: '2',
    CLIP_CUTS_CONCURRENT: '1',
    CLIP_CUTS_QUEUED: '0',
  });
  const a = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  const creator = await devToken(node.url, { userId: 'creator1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const hat = await api<{ id: string }>(node.url, 'POST', `/api/rooms/${a.roomId}/products`, creator, {
    title: 'Straw hat',
    imageUrl: 'https://img.example.com/hat.jpg',
    price: 2500,
    currency: 'USD',
    skus: [{ id: 'std', label: 'Standard', stock: 5 }],
  });
  expect(hat.status).toBe(201);
  const rec = await storedRecording(t, node, { id: 'clipBad1', roomId: a.roomId, creatorId: 'creator1', agencyId: 'ag1', seconds: 10 });
  const otherOwner = await tokenFor(node.url, 'owner2', 'agency', 'ag2');
  const viewer = await tokenFor(node.url, 'v1');
  const ok = { recordingId: rec.id, startMs: 1_000, endMs: 4_000, title: 'Hat', productIds: [hat.body.id] };
  const post = async (body: unknown, token = creator) => {
    const r = await api<{ error?: { code: string; details?: { limit?: string; max?: number } } }>(
      node.url,
      'POST',
      '/api/clips',
      token,
      body,
    );
    return [
      r.status,
      r.body.error?.code,
      r.body.error?.details && 'limit' in r.body.error.details ? r.body.error.details.limit : undefined,
    ];
  };

  // Shape: zod, typed 400.
  expect(await post({ ...ok, startMs: -1 })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, endMs: -5_000 })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, startMs: 5_000, endMs: 4_000 })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, endMs: 1e12 })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, startMs: 1.5 })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, lastMs: 3_000 })).toEqual([400, 'BAD_REQUEST', undefined]); // a range and lastMs
  expect(await post({ ...ok, title: 'x'.repeat(101) })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, title: '   ' })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, productIds: [] })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, productIds: Array.from({ length: 6 }, (_, i) => `p${i}`) })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, productIds: [hat.body.id, hat.body.id] })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, extra: 1 })).toEqual([400, 'BAD_REQUEST', undefined]);
  // Against the recording: outside what is stored, longer than CLIP_MAX_MS.
  expect(await post({ ...ok, startMs: 8_000, endMs: 12_000 })).toEqual([400, 'BAD_REQUEST', undefined]);
  expect(await post({ ...ok, startMs: 0, endMs: 9_000 })).toEqual([400, 'BAD_REQUEST', 'CLIP_MAX_MS']);
  expect(await post({ ...ok, startMs: undefined, endMs: undefined, lastMs: 9_000 })).toEqual([400, 'BAD_REQUEST', 'CLIP_MAX_MS']);
  // Unknown things, other people's rooms.
  expect(await post({ ...ok, recordingId: 'nope' })).toEqual([404, 'NOT_FOUND', undefined]);
  expect(await post({ ...ok, productIds: ['nope'] })).toEqual([404, 'NOT_FOUND', undefined]);
  expect(await post(ok, otherOwner)).toEqual([403, 'FORBIDDEN', undefined]);
  expect(await post(ok, viewer)).toEqual([403, 'FORBIDDEN', undefined]);
  expect(await post(ok, '')).toEqual([401, 'UNAUTHENTICATED', undefined]);
  const { store } = recordingOf(node);
  const count = async () => Number((await store.db.query('SELECT count(*) FROM clips WHERE recording_id = $1', [rec.id])).rows[0].count);
  expect(await count()).toBe(0);

  // The cutting line: one cut at a time, none waiting (CLIP_CUTS_QUEUED=0), so a second while the first runs is refused.
  const first = await api<Clip>(node.url, 'POST', '/api/clips', creator, { ...ok, startMs: 0, endMs: 8_000 });
  expect(first.status).toBe(202);
  expect(await post(ok)).toEqual([429, 'RATE_LIMITED', 'CLIP_CUTS_QUEUED']);
  expect(await untilCut(node, creator, first.body.id)).toMatchObject({ status: 'ready' });
  // The last 3 s, as during a live.
  const last = await api<Clip>(node.url, 'POST', '/api/clips', creator, { ...ok, startMs: undefined, endMs: undefined, lastMs: 3_000 });
  expect(last.status).toBe(202);
  expect(last.body).toMatchObject({ startMs: 7_000, endMs: 10_000 });
  await untilCut(node, creator, last.body.id);
  // CLIPS_PER_CREATOR=2: the third is refused, naming the quota.
  expect(await post(ok)).toEqual([429, 'QUOTA_EXCEEDED', 'CLIPS_PER_CREATOR']);
  expect(await count()).toBe(2);

  // Another agency's staff neither publish nor delete; a viewer does not see drafts; bad ids and file names are 400.
  const code = async (method: string, path: string, token: string) => {
    const r = await api<{ error?: { code: string } }>(node.url, method, path, token);
    return [r.status, r.body.error?.code];
  };
  expect(await code('POST', `/api/clips/${first.body.id}/publish`, otherOwner)).toEqual([403, 'FORBIDDEN']);
  expect(await code('DELETE', `/api/clips/${first.body.id}`, otherOwner)).toEqual([403, 'FORBIDDEN']);
  expect(await code('GET', `/api/clips/${first.body.id}/files/index.m3u8`, viewer)).toEqual([403, 'FORBIDDEN']);
  expect(await code('GET', '/api/clips/nope', viewer)).toEqual([404, 'NOT_FOUND']);
  expect(await code('GET', `/api/clips/${first.body.id}/files/..%2F..%2Fetc%2Fpasswd`, creator)).toEqual([400, 'BAD_REQUEST']);
  expect(await code('GET', `/api/clips/${first.body.id}/files/input.sdp`, creator)).toEqual([400, 'BAD_REQUEST']);
  expect(await code('GET', '/api/clips?creatorId=c1&agencyId=ag1', viewer)).toEqual([400, 'BAD_REQUEST']);
  expect(await code('GET', '/api/clips?limit=500', viewer)).toEqual([400, 'BAD_REQUEST']);
  const listed = await api<ClipList>(node.url, 'GET', '/api/clips?agencyId=ag1', viewer);
  expect(listed.body.clips).toEqual([]);
  expect((await api<ClipList>(node.url, 'GET', '/api/clips?agencyId=ag1', creator)).body.clips).toHaveLength(2);
  expect(await count()).toBe(2);
}, 120_000);
