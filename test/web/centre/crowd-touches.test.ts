import { expect, it } from 'vitest';
import type { CrowdOverview, SearchResult } from '@hawker/protocol';
import { devIdentity, PHONE, poll, useBrowser } from '../../../harness/browser.ts';
import { api } from '../../../harness/clients.ts';
import { useTeardown } from '../../../harness/teardown.ts';
import { waitFor } from '../../../harness/wait.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../../channels/fixtures.ts';
import { storedRecording } from '../../recording/clipHelpers.ts';
import { recordingNode } from '../../recording/helpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/** People per traffic source of a crowd, as its owner reads it. */
async function sources(url: string, token: string, scope: string): Promise<Record<string, number>> {
  const res = await api<CrowdOverview>(url, 'GET', `/api/crowd/${scope}`, token);
  if (res.status !== 200) throw new Error(`overview: ${res.status} ${JSON.stringify(res.body)}`);
  return Object.fromEntries(res.body.sources.filter((s) => s.people > 0).map((s) => [s.source, s.people]));
}

/**
 * Pages send crowd touches (web/pages/lib/touch.ts): a scripted viewer opens a creator's storefront and a product page
 * (visits, source storefront), opens the creator from search results (the search click, source search) and watches
 * the replay (watch seconds, source replay, sent with keepalive when the page is left). The viewer lands in the
 * creator's interested (种草) stage with those three sources, and in the shop's with source storefront.
 */
it('a viewer who visits the storefront, opens a search result, sees a clip result and watches a replay is interested (种草) with sources storefront, search and replay', async () => {
  const { node } = await recordingNode(t, { CROWD_FLUSH_MS: '100', CROWD_MIN_WATCH_SECONDS: '2' });
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const r = await room(node, creator);
  await select(node, creator, r.id, jade.id);
  const rec = await storedRecording(t, node, { id: 'touchRec1', roomId: r.id, creatorId: 'c1', agencyId: 'ag1', seconds: 8 });
  await waitFor('the creator is indexed', async () => {
    const res = await api<SearchResult>(node.url, 'GET', '/api/search?q=Creator&type=creators');
    return res.body.creators.some((c) => c.id === 'c1') ? true : undefined;
  });
  const fan = await devIdentity(node.url, { userId: 'fan1', name: 'Fan', role: 'viewer' });
  const { page, errors } = await openPage(`${node.url}/store?creator=c1`, {
    identity: fan,
    viewport: PHONE,
    // The products' sample images live on a host the test machine cannot resolve.
    allowErrors: [/ERR_NAME_NOT_RESOLVED/],
  });
  await page.getByTestId('store-title').waitFor();

  await page.goto(`${node.url}/store?product=${jade.id}`);
  await page.getByTestId('store-title').waitFor();

  await page.goto(`${node.url}/search?q=Creator&type=creators`);
  await page.locator('[data-testid="creator-row"][data-id="c1"]').click();
  await page.waitForURL(/\/store\?creator=c1/);
  await page.getByTestId('store-title').waitFor();

  // Clips are search results too: a published one shows its poster and opens in the clips feed.
  await node.node.ctx.db.query(
    `INSERT INTO clips (id, recording_id, room_id, creator_id, agency_id, title, start_ms, end_ms, duration_ms, status, product_ids)
     VALUES ('clipT', $1, $2, 'c1', 'ag1', '新品试色 first look', 0, 3000, 3000, 'ready', $3::text[])`,
    [rec.id, r.id, [jade.id]],
  );
  expect((await api(node.url, 'POST', '/api/clips/clipT/publish', creator)).status).toBe(200);
  await waitFor('the clip indexed', async () => {
    const res = await api<SearchResult>(node.url, 'GET', `/api/search?q=${encodeURIComponent('试色')}&type=clips`);
    return res.body.clips.length ? true : undefined;
  });
  await page.goto(`${node.url}/search?q=${encodeURIComponent('试色')}&type=clips`);
  const clipRow = page.locator('[data-testid="clip-row"][data-id="clipT"]');
  expect(await clipRow.getAttribute('href')).toBe('/clips?id=clipT');
  expect(await clipRow.locator('img.entity-poster').getAttribute('src')).toBe('https://img.example.com/jade-1.jpg');

  await page.goto(`${node.url}/replay?id=${rec.id}`);
  const video = page.getByTestId('replay-video');
  await poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), 30_000).toBeGreaterThan(3.5);
  // Leaving the page sends the watch seconds (pagehide, fetch keepalive).
  await page.goto(`${node.url}/search`);

  await poll(() => sources(node.url, creator, 'creator/c1'), 30_000).toEqual({ storefront: 1, search: 1, replay: 1 });
  expect(await sources(node.url, creator, `shop/${shop.id}`)).toEqual({ storefront: 1 });
  const res = await api<CrowdOverview>(node.url, 'GET', '/api/crowd/creator/c1', creator);
  expect(res.body.stages.at(-1)).toMatchObject({ interested: 1, first: 0, repeat: 0 });
  const people = await fetch(`${node.url}/api/crowd/creator/c1/people.csv?stage=interested`, {
    headers: { authorization: `Bearer ${creator}` },
  });
  expect(await people.text()).toContain('fan1');
  expect(errors).toEqual([]);
}, 180_000);
