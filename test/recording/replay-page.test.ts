import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { Order, Product } from '@hawker/protocol';
import { addRoomProduct } from '../../harness/commerce.ts';
import { api } from '../../harness/clients.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);
const run = promisify(execFile);

it('the replay page plays the recording with hls.js in Chromium, a product marker seeks to its moment and shows its card, and buying from it records an order with channel replay', async () => {
  const { node } = await recordingNode(t);
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const r = await room(node, creator);
  await select(node, creator, r.id, jade.id);
  const hat = await addRoomProduct(node, creator, r.id, {
    title: 'Straw hat',
    imageUrl: 'https://img.example.com/hat.jpg',
    price: 2500,
    stock: 5,
  });

  // A 12 s recording, as the recorder writes it (H.264 in 2 s MPEG-TS segments), and its timeline: the hat pinned at
  // 1 s, the bracelet at 7 s. (test/recording/record-live.test.ts records a real live; this test is about the page.)
  const { store, files } = recordingOf(node);
  const startedAt = Date.now() - 12_000;
  const rec = (await store.start({ id: 'replayRec1', roomId: r.id, creatorId: 'c1', agencyId: 'ag1', startedAt }))!;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'hawker-replay-'));
  t.defer(() => fs.rm(work, { recursive: true, force: true }));
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '12'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-force_key_frames', 'expr:gte(t,n_forced*2)'],
    ...['-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_playlist_type', 'event'],
    ...['-hls_segment_filename', path.join(work, 'seg%05d.ts'), path.join(work, 'index.m3u8')],
  ]);
  for (const f of await fs.readdir(work)) await files.write(rec.id, f, await fs.readFile(path.join(work, f)));
  const pinned = (p: Product, atMs: number) => ({
    at: startedAt + atMs,
    kind: 'pin' as const,
    productId: p.id,
    data: { roomId: r.id, product: p, pinnedAt: startedAt + atMs },
  });
  await store.appendEvents(r.id, [pinned(hat, 1_000), pinned(jade as unknown as Product, 7_000)]);
  await store.finish(rec.id, 'ready', { durationMs: 12_000, bytes: 1 });
  const buyer = await devIdentity(node.url, { userId: 'buyer1', name: 'Ann', role: 'viewer' });
  const { page } = await openPage(`${node.url}/replay?room=${r.id}`, { identity: buyer, viewport: PHONE });
  const video = page.getByTestId('replay-video');
  await video.waitFor();
  // hls.js plays it (muted autoplay): the position moves.
  await poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0.5);
  expect(await page.getByTestId('marker').count()).toBe(2);

  // Jump to the bracelet's marker: its card as the room sells it today, with a buy button (a shop product sells after
  // the live).
  await page.getByTestId('marker').filter({ hasText: 'Jade bracelet' }).click();
  await poll(() => page.getByTestId('replay-card-title').textContent()).toBe('Jade bracelet');
  await poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(7);
  // Back to the hat's marker: its card; a room's own product sold only during the live.
  await page.getByTestId('marker').filter({ hasText: 'Straw hat' }).click();
  await poll(() => page.getByTestId('replay-card-title').textContent()).toBe('Straw hat');
  expect(await page.getByTestId('replay-buy').count()).toBe(0);

  await page.getByTestId('marker').filter({ hasText: 'Jade bracelet' }).click();
  await poll(() => page.getByTestId('replay-card-title').textContent()).toBe('Jade bracelet');
  await screenshot(page, 'replay-phone');
  await page.getByTestId('replay-buy').click();
  await poll(async () => (await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', buyer.token)).body.orders.length).toBe(1);
  const [order] = (await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', buyer.token)).body.orders;
  expect(order).toMatchObject({ channel: 'replay', roomId: r.id, productId: jade.id, creatorId: 'c1', unitPrice: 5_000 });
}, 90_000);
