import { expect, it } from 'vitest';
import type { Clip, ClipList } from '@hawker/protocol';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { devIdentity, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { probeDuration, recordingNode, untilSegments } from './helpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('during a live from Chromium (fake camera), the creator clips the last 10 s in the studio with a product and a title, and publishes it: the clip is cut from the recording in progress, ready, 10 s long (within 2 s) and in the feed with the LIVE badge', async () => {
  const { node } = await recordingNode(t);
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const r = await room(node, creator, { live: false });
  await select(node, creator, r.id, jade.id);
  const identity = await devIdentity(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const { page } = await openPage(`${node.url}/studio?room=${r.id}`, { identity });
  await waitFor('camera preview', () => page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0));
  // Not live yet: nothing to clip, so the card is hidden.
  expect(await page.getByTestId('studio-clip').isHidden()).toBe(true);
  await page.getByTestId('go-live').click();
  await poll(() => page.getByTestId('room-status').textContent()).toBe('Live');

  const card = page.getByTestId('studio-clip');
  await card.waitFor();
  expect(await card.getByTestId('studio-clip-last').textContent()).toBe('Clip the last 30 s');
  await card.getByTestId('studio-clip-length').selectOption('10');
  expect(await card.getByTestId('studio-clip-last').textContent()).toBe('Clip the last 10 s');
  await card.getByTestId('studio-clip-title').fill('Jade on air');
  await card.getByTestId('studio-clip-product').first().check();
  // The recording holds more than 10 s (six 2 s segments); generous, as Chromium's encoder and ffmpeg start slowly on
  // a loaded 2-core box.
  const rec = await untilSegments(node, creator, r.id, 6, 120_000);
  expect(rec.status).toBe('recording');
  // The replay page of the recording in progress takes any range of it.
  await poll(() => card.getByTestId('studio-clip-replay').getAttribute('href')).toBe(`/replay?id=${rec.id}`);

  await card.getByTestId('studio-clip-last').click();
  // The cut follows: ready (Publish offered), or a refusal or failure in words, which the test then shows.
  const outcome = await waitFor(
    'the cut to finish',
    async () => {
      if ((await card.getByTestId('cut-publish').count()) > 0) return 'ready';
      const alert = card.getByTestId('cut-status').locator('[role="alert"]');
      return (await alert.count()) > 0 ? await alert.textContent() : undefined;
    },
    // Past the cutter's own 180 s deadline (CUT_TIMEOUT_MS), so a cut that never ends shows as its failure, in words.
    200_000,
    250,
  ).catch(async (err: Error) => {
    // What the card and the server say, to tell a slow cut from a request never made.
    const clips = (await api<ClipList>(node.url, 'GET', '/api/clips?creatorId=c1', creator)).body.clips;
    return `${err.message}; status: ${await card.getByTestId('cut-status').textContent()}; clips: ${JSON.stringify(clips.map((c) => [c.status, c.failureReason]))}`;
  });
  expect(outcome).toBe('ready');
  await card.getByTestId('cut-publish').click();
  await card.getByTestId('cut-published').waitFor();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'studio-clip');

  const [clip] = (await api<ClipList>(node.url, 'GET', '/api/clips?creatorId=c1', creator)).body.clips;
  expect(clip).toMatchObject({ recordingId: rec.id, title: 'Jade on air', status: 'ready', productIds: [jade.id], liveRoomId: r.id });
  expect(clip!.endMs - clip!.startMs).toBe(10_000);
  expect(clip!.publishedAt).toEqual(expect.any(Number));
  expect(Math.abs(clip!.durationMs - 10_000)).toBeLessThanOrEqual(2_000);
  expect(Math.abs((await probeDuration(`${node.url}${clip!.playlistUrl}`, creator)) - 10)).toBeLessThanOrEqual(2);
  // In the feed for anyone, with the LIVE badge's room (the creator is still live).
  const viewer = (await devIdentity(node.url, { userId: 'v1', name: 'Ann', role: 'viewer' })).token;
  const feed = (await api<ClipList>(node.url, 'GET', '/api/clips', viewer)).body.clips;
  expect(feed.map((c: Clip) => [c.id, c.liveRoomId])).toEqual([[clip!.id, r.id]]);
  expect((await api(node.url, 'POST', `/api/rooms/${r.id}/end`, creator)).status).toBe(200);
}, 420_000);
