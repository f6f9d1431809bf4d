import { expect, it } from 'vitest';
import type { Clip, ClipList, PlaceOrderResult } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { storedRecording, untilCut } from './clipHelpers.ts';
import { probeDuration, recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

it('a clip cut from 10–25 s of a recording is its own 15 s HLS (ffprobe within 2 s), publishes to the feed with its product and the creator live badge, buys with channel clip, and outlives its recording', async () => {
  const { node } = await recordingNode(t);
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const r = await room(node, creator);
  await select(node, creator, r.id, jade.id);
  const rec = await storedRecording(t, node, { id: 'clipSrc1', roomId: r.id, creatorId: 'c1', agencyId: 'ag1', seconds: 26 });
  const viewer = await devToken(node.url, { userId: 'buyer1', name: 'Ann', role: 'viewer' });

  const made = await api<Clip>(node.url, 'POST', '/api/clips', creator, {
    recordingId: rec.id,
    startMs: 10_000,
    endMs: 25_000,
    title: 'The jade bracelet, up close',
    productIds: [jade.id],
  });
  expect(made.status).toBe(202);
  expect(made.body).toMatchObject({
    status: 'cutting',
    startMs: 10_000,
    endMs: 25_000,
    roomId: r.id,
    creatorId: 'c1',
    agencyId: 'ag1',
    publishedAt: null,
  });
  // A draft: its staff see it, the feed and viewers do not.
  expect((await api(node.url, 'GET', `/api/clips/${made.body.id}`, viewer)).status).toBe(403);
  const clip = await untilCut(node, creator, made.body.id);
  expect(clip.status).toBe('ready');
  expect((await api<ClipList>(node.url, 'GET', '/api/clips', viewer)).body.clips).toEqual([]);

  // Its own files: ffprobe reads the clip's playlist over REST, 15 s within 2 s.
  const probed = await probeDuration(`${node.url}${clip.playlistUrl}`, creator);
  expect(Math.abs(probed - 15)).toBeLessThanOrEqual(2);
  expect(Math.abs(clip.durationMs - 15_000)).toBeLessThanOrEqual(2_000);
  const playlist = await (await fetch(`${node.url}${clip.playlistUrl}`, { headers: { authorization: `Bearer ${creator}` } })).text();
  expect(playlist).toContain('#EXT-X-ENDLIST');
  // Its bytes are recorded and count against the agency's media quota (MEDIA_QUOTA_BYTES_PER_AGENCY) with its recordings.
  const stored = await node.node.ctx.db.query<{ bytes: number }>('SELECT bytes FROM clips WHERE id = $1', [clip.id]);
  expect(stored.rows[0]!.bytes).toBeGreaterThan(0);

  const published = await api<Clip>(node.url, 'POST', `/api/clips/${clip.id}/publish`, creator);
  expect(published.status).toBe(200);
  expect(published.body.publishedAt).toEqual(expect.any(Number));
  const feed = (await api<ClipList>(node.url, 'GET', '/api/clips', viewer)).body.clips;
  expect(feed.map((c) => c.id)).toEqual([clip.id]);
  // The product as sold now, and the LIVE badge's room: the creator is live in `r`.
  expect(feed[0]).toMatchObject({ liveRoomId: r.id, products: [{ id: jade.id, title: 'Jade bracelet' }] });
  expect((await api<ClipList>(node.url, 'GET', '/api/clips?creatorId=c1', viewer)).body.clips.map((c) => c.id)).toEqual([clip.id]);
  expect((await api<ClipList>(node.url, 'GET', '/api/clips?agencyId=ag1', viewer)).body.clips.map((c) => c.id)).toEqual([clip.id]);

  // Bought from the clip: channel clip, the room credited.
  const skuId = feed[0]!.products[0]!.skus[0]!.id;
  const order = await api<PlaceOrderResult>(node.url, 'POST', '/api/orders', viewer, {
    productId: jade.id,
    skuId,
    quantity: 1,
    idempotencyKey: 'clip-order-1',
    channel: 'clip',
    roomId: r.id,
  });
  expect(order.status).toBe(201);
  expect(order.body.order).toMatchObject({ channel: 'clip', roomId: r.id, creatorId: 'c1', productId: jade.id, unitPrice: 5_000 });

  expect((await api(node.url, 'POST', `/api/rooms/${r.id}/end`, creator)).status).toBe(200);
  // The live ends: no badge; the shop product still sells from the clip.
  const after = (await api<Clip>(node.url, 'GET', `/api/clips/${clip.id}`, viewer)).body;
  expect(after.liveRoomId).toBeNull();
  expect(after.products.map((p) => p.id)).toEqual([jade.id]);

  // The recording's rows go (as retention would remove it): the clip still plays from its own files.
  await recordingOf(node).store.db.query('DELETE FROM recordings WHERE id = $1', [rec.id]);
  const seg = await fetch(`${node.url}/api/clips/${clip.id}/files/seg00000.ts`, { headers: { authorization: `Bearer ${viewer}` } });
  expect(seg.status).toBe(200);
  expect(seg.headers.get('content-type')).toBe('video/mp2t');

  // Deleted: gone from the feed and its files (clip-delete.test.ts: gone from the storage too).
  expect((await api(node.url, 'DELETE', `/api/clips/${clip.id}`, creator)).status).toBe(200);
  expect((await api<ClipList>(node.url, 'GET', '/api/clips', viewer)).body.clips).toEqual([]);
  expect((await api(node.url, 'GET', `/api/clips/${clip.id}/files/index.m3u8`, viewer)).status).toBe(404);
}, 120_000);
