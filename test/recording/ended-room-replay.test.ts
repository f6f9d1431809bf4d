import { expect, it } from 'vitest';
import type { Order, Recording, RecordingTimeline, Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop } from '../shops/fixtures.ts';
import { select, simpleShopProduct } from '../channels/fixtures.ts';
import { recordingNode, recordingsOf, untilSegments } from './helpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);
const began = Date.now();
const step = (what: string) => console.log(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);

it('an ended live that recorded plays its replay in the room page (hls.js, loaded on demand), with the pinned product card buyable at today’s price, and keeps the link to the full replay', async () => {
  const { node } = await recordingNode(t);
  const creator = await devIdentity(node.url, { userId: 'c-ended', name: 'Mia Chen', role: 'creator', agencyId: 'ag-ended' });
  const shop = await openShop(node, creator.token, { name: 'Mia Picks', currency: 'USD' });
  const jade = await simpleShopProduct(node, creator.token, shop.id, 20, 5_000);
  const r = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Recorded drop' })).body;
  await select(node, creator.token, r.id, jade.id);

  // A real live: the studio in Chromium with the fake camera goes live and the node records it.
  const studio = await openPage(`${node.url}/studio?room=${r.id}`, { identity: creator });
  await waitFor('camera preview', () => studio.page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), 60_000);
  step('camera on');
  await studio.page.getByTestId('go-live').click();
  await poll(() => studio.page.getByTestId('room-status').getAttribute('class')).toContain('pill-live');
  // Generous: on a loaded 2-core box Chromium's encoder and ffmpeg's start can take most of a minute.
  await untilSegments(node, creator.token, r.id, 1, 240_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; studio errors: ${studio.errors.join(' | ')}`);
  });
  step('first segment');
  // Pinned once the recording runs, so the pin is on its timeline; recorded on until the media reaches past it (the
  // timeline counts from the recording's start, which can be seconds before the first frame ffmpeg writes).
  expect((await api(node.url, 'PUT', `/api/rooms/${r.id}/pin`, creator.token, { productId: jade.id })).status).toBe(200);
  const [rec] = await recordingsOf(node, creator.token, r.id);
  const pinMs = await waitFor('the pin on the timeline', async () => {
    const res = await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${rec!.id}/timeline`, creator.token);
    return res.body.entries.find((e) => e.kind === 'pin' && e.productId === jade.id)?.offsetMs;
  });
  await waitFor(
    'the recording to reach past the pin',
    async () => {
      const res = await fetch(`${node.url}${rec!.playlistUrl}`, { headers: { authorization: `Bearer ${creator.token}` } });
      const seconds = [...(await res.text()).matchAll(/#EXTINF:([\d.]+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      return seconds * 1000 > pinMs + 4_000;
    },
    120_000,
    500,
  );
  step(`recorded past the pin at ${pinMs} ms`);
  expect((await api(node.url, 'POST', `/api/rooms/${r.id}/end`, creator.token)).status).toBe(200);
  await waitFor(
    'ready',
    async () => (await api<Recording>(node.url, 'GET', `/api/recordings/${rec!.id}`, creator.token)).body.status === 'ready',
    30_000,
  );
  step('recording ready');
  await studio.page.close();

  const buyer = await devIdentity(node.url, { userId: 'v-ended', name: 'Ann', role: 'viewer' });
  const { page, errors } = await openPage(`${node.url}/room?id=${r.id}`, {
    identity: buyer,
    viewport: PHONE,
    // The fixture product's pictures are on img.example.com, which does not resolve here.
    allowErrors: [/ERR_NAME_NOT_RESOLVED/],
  });
  await page.getByTestId('ended-room').waitFor();
  // The player arrives on demand and plays: the position moves.
  const video = page.getByTestId('ended-replay-video');
  await video.waitFor();
  await poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), 60_000).toBeGreaterThan(0.5);
  // The product pinned at that moment of the live: its card, as the room sells it now, with a buy button.
  step('video plays');
  // On to the moment the product was pinned (as a viewer scrubbing): its card shows.
  await video.evaluate(
    (v: HTMLVideoElement, s: number) => {
      v.currentTime = s;
    },
    pinMs / 1000 + 1,
  );
  await poll(() => page.getByTestId('replay-card-title').textContent(), 60_000).toBe('Jade bracelet');
  expect(await page.getByTestId('replay-card').isVisible()).toBe(true);
  expect(await page.getByTestId('replay-link').getAttribute('href')).toBe(`/replay?id=${encodeURIComponent(rec!.id)}`);
  step('card shown');
  await screenshot(page, 'ended-room-replay-phone');
  await page.getByTestId('replay-buy').click();
  await poll(async () => (await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', buyer.token)).body.orders.length).toBe(1);
  const [order] = (await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', buyer.token)).body.orders;
  expect(order).toMatchObject({ channel: 'replay', roomId: r.id, productId: jade.id, unitPrice: 5_000 });
  expect(errors).toEqual([]);
}, 600_000);
