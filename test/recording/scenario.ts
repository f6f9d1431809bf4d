import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { Recording, Room, RecordingTimeline } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { scheduleSale } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import type { Teardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';
import { firstFrameIsKey, probeDuration, recordedShop, untilSegments } from './helpers.ts';

/** How many stored segments the live has when each moment happens (2 s each): the live lasts about `end` x 2 s. */
export interface ShoppingLivePlan {
  pin1: number;
  pin2: number;
  sale: number;
  end: number;
}

/**
 * Issue 18's acceptance scenario: a live with two pins, a chat message, a flash sale (5 s) and an unpin, recorded, then
 * checked: ffprobe duration within 2 s of the live (the media time the creator's packets span, first to last), every segment starts on a
 * keyframe, each moment on the timeline within 1 s of when it happened. Shared by the short test and the 60 s one.
 */
export async function shoppingLive(t: Teardown, plan: ShoppingLivePlan): Promise<void> {
  const { node, dir, creator, roomId, scarf, hat } = await recordedShop(t);

  const socket = t.add(await connect(node.url, creator));
  ok(await call(socket, 'room:join', { roomId }));
  const peer = t.add(await WebRtcPeer.open(socket, roomId));
  const publishing = Date.now();
  const publication = await peer.publishVp8(await peer.transport('send'));
  // The live's video starts with its first packet (ffmpeg may take seconds to start on a loaded machine); the WebRTC
  // set-up before it is not part of the live.
  const publishedAt = await waitFor('the first video packet', () => publication.sent.firstAt, 30_000, 20);

  const first = await untilSegments(node, creator, roomId, 1);
  expect(first.status).toBe('recording');
  // The recording starts with the creator's video, not before.
  expect(first.startedAt).toBeGreaterThanOrEqual(publishing);

  await untilSegments(node, creator, roomId, plan.pin1);
  const pin1 = (await api<{ pinnedAt: number }>(node.url, 'PUT', `/api/rooms/${roomId}/pin`, creator, { productId: scarf.id })).body;
  expect(pin1.pinnedAt).toEqual(expect.any(Number));
  ok(await call(socket, 'chat:send', { roomId, text: 'the scarf is silk' }));
  await untilSegments(node, creator, roomId, plan.pin2);
  const pin2 = (await api<{ pinnedAt: number }>(node.url, 'PUT', `/api/rooms/${roomId}/pin`, creator, { productId: hat.id })).body;
  await untilSegments(node, creator, roomId, plan.sale);
  const saleAt = Date.now();
  const sale = await scheduleSale(node, creator, roomId, hat.id, { durationMs: 5_000 });
  await waitFor(
    'the sale to end',
    async () => {
      const tl = await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${first.id}/timeline`, creator);
      return tl.body.entries?.some((e) => e.kind === 'sale_end');
    },
    15_000,
    200,
  );
  const unpinAt = Date.now();
  expect((await api(node.url, 'DELETE', `/api/rooms/${roomId}/pin`, creator)).status).toBe(200);
  await untilSegments(node, creator, roomId, plan.end, 120_000);
  const endedAt = Date.now();
  const sentMs = publication.sent.mediaMs ?? 0;
  expect((await api<Room>(node.url, 'POST', `/api/rooms/${roomId}/end`, creator)).status).toBe(200);

  const rec = await waitFor(
    'the recording to be ready',
    async () => {
      const r = await api<Recording>(node.url, 'GET', `/api/recordings/${first.id}`, creator);
      return r.body.status === 'ready' ? r.body : undefined;
    },
    15_000,
    100,
  );
  // The live as the creator sent it: the media time their packets span (a starved encoder sends less than the wall
  // clock's worth; a recorder cannot record what never came). The wall-clock span bounds it from above.
  const mediaS = sentMs / 1000;
  expect(mediaS).toBeLessThanOrEqual((endedAt - publishedAt) / 1000 + 0.5);
  const playlist = path.join(dir, rec.id, 'index.m3u8');
  const probed = await probeDuration(playlist);
  expect(Math.abs(probed - mediaS)).toBeLessThanOrEqual(2);
  expect(Math.abs(rec.durationMs / 1000 - probed)).toBeLessThanOrEqual(1);
  // Every segment starts on a keyframe (so a seek lands on a picture, and segments play alone).
  const text = await fs.readFile(playlist, 'utf8');
  expect(text).toContain('#EXT-X-ENDLIST');
  const segments = text.split('\n').filter((l) => l.endsWith('.ts'));
  expect(segments.length).toBeGreaterThanOrEqual(plan.end);
  for (const s of segments) expect(await firstFrameIsKey(path.join(dir, rec.id, s)), s).toBe(true);

  // The shopping timeline, each moment at its offset into the recording (from the recording's start).
  const tl = (await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${rec.id}/timeline?chat=true`, creator)).body;
  const at = (kind: string, productId?: string) => tl.entries.find((e) => e.kind === kind && (!productId || e.productId === productId));
  const near = (offsetMs: number | undefined, wallMs: number) => {
    expect(offsetMs).toBeDefined();
    expect(Math.abs(offsetMs! - (wallMs - rec.startedAt))).toBeLessThanOrEqual(1_000);
  };
  near(at('pin', scarf.id)?.offsetMs, pin1.pinnedAt);
  near(at('pin', hat.id)?.offsetMs, pin2.pinnedAt);
  near(at('unpin', hat.id)?.offsetMs, unpinAt);
  near(at('sale_start', hat.id)?.offsetMs, saleAt);
  expect(at('sale_end')?.data).toMatchObject({ saleId: sale.id });
  expect(at('chat')?.data).toMatchObject({ text: 'the scarf is silk' });
  // Offsets are inside the recording, in order.
  const offsets = tl.entries.map((e) => e.offsetMs);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  expect(Math.max(...offsets)).toBeLessThanOrEqual(rec.durationMs + 1_000);
  // Without ?chat=true the timeline is the shopping moments only.
  const shopping = (await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${rec.id}/timeline`, creator)).body;
  expect(shopping.entries.some((e) => e.kind === 'chat')).toBe(false);
  expect(shopping.entries.length).toBe(tl.entries.length - 1);
}
