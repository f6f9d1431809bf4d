import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { Clip, ClipList, Order } from '@hawker/protocol';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { api } from '../../harness/clients.ts';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, room, select, simpleShopProduct } from '../channels/fixtures.ts';
import { storedRecording, untilCut } from './clipHelpers.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/** The screens the issue names: three phones, a tablet, a laptop. */
const VIEWPORTS = [
  { width: 360, height: 800 },
  { width: 390, height: 844 },
  { width: 412, height: 915 },
  { width: 768, height: 1024 },
  { width: 1440, height: 900 },
];

/** No sideways scroll, and the first clip's controls inside the screen and at least 44×44 CSS px. */
async function checkLayout(page: Page, where: string): Promise<void> {
  const found = await page.evaluate(() => {
    const bad: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) bad.push(`scrollWidth ${document.documentElement.scrollWidth}`);
    const first = document.querySelector('[data-testid="clip"]');
    for (const el of Array.from(first?.querySelectorAll<HTMLElement>('button, a') ?? [])) {
      const r = el.getBoundingClientRect();
      if (r.width < 44 || r.height < 44 || r.left < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight)
        bad.push(
          `${el.dataset.testid ?? el.tagName} ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`,
        );
    }
    return bad;
  });
  expect([where, found]).toEqual([where, []]);
}

const playing = (page: Page, clipId: string) =>
  page.locator(`[data-clip="${clipId}"] video`).evaluate((v: HTMLVideoElement) => ({ t: v.currentTime, paused: v.paused }));

it('the creator cuts and publishes a clip on the replay page; the clips feed plays a published clip (its length within 2 s of the cut), swipes to the next, unmutes on tap, shows LIVE now linking to the room, buys from the card with channel clip and sees it paid (a declined card in words, then a retry that pays); no sideways scroll, 44 px controls and axe-clean from 360 to 1440 px in en and zh-CN', async () => {
  // A recording node paying through the sandbox gateway, which takes a moment to answer as real ones do.
  const sandbox = t.add(await startSandbox({ latencyMs: 300 }));
  const node = t.add(await startCommerceNode(sandbox, { RECORDING: 'true', RECORDINGS_DIR: await t.tempDir('hawker-rec-') }));
  const { creator, shop } = await creatorWithShop(node);
  const jade = await simpleShopProduct(node, creator, shop.id, 20, 5_000);
  const r = await room(node, creator);
  await select(node, creator, r.id, jade.id);
  const rec = await storedRecording(t, node, { id: 'feedSrc1', roomId: r.id, creatorId: 'c1', agencyId: 'ag1', seconds: 8 });
  // The creator cuts the first clip on the replay page (its "Cut a clip" panel), and publishes it there.
  const staff = await devIdentity(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const { page: studio } = await openPage(`${node.url}/replay?id=${rec.id}`, { identity: staff, viewport: PHONE });
  const panel = studio.getByTestId('clip-cut');
  await panel.getByTestId('cut-start').fill('0');
  await panel.getByTestId('cut-end').fill('3');
  await panel.getByTestId('cut-title').fill('Unboxing');
  await panel.getByTestId('cut-product').first().check();
  await panel.getByTestId('cut-submit').click();
  await panel.getByTestId('cut-publish').click({ timeout: 60_000 });
  await panel.getByTestId('cut-published').waitFor();
  expect(await seriousA11yViolations(studio)).toEqual([]);
  await studio.close();
  const [older] = (await api<ClipList>(node.url, 'GET', '/api/clips?creatorId=c1', creator)).body.clips;
  expect(older).toMatchObject({ title: 'Unboxing', startMs: 0, endMs: 3_000, status: 'ready', productIds: [jade.id] });
  expect(older!.publishedAt).toEqual(expect.any(Number));
  // The second over REST (the SDK's createClip), the newer of the two.
  const made = await api<Clip>(node.url, 'POST', '/api/clips', creator, {
    recordingId: rec.id,
    startMs: 1_000,
    endMs: 7_000,
    title: 'Jade bracelet, up close',
    productIds: [jade.id],
  });
  expect(made.status).toBe(202);
  const newer = await untilCut(node, creator, made.body.id);
  expect(newer.status).toBe('ready');
  expect((await api(node.url, 'POST', `/api/clips/${newer.id}/publish`, creator)).status).toBe(200);
  const buyer = await devIdentity(node.url, { userId: 'buyer1', name: 'Ann', role: 'viewer' });

  const { page } = await openPage(`${node.url}/clips`, { identity: buyer, viewport: PHONE });
  // Newest first; it plays muted by itself, with the clip's own length.
  const first = page.locator('[data-testid="clip"]').first();
  await first.waitFor();
  expect(await first.getAttribute('data-clip')).toBe(newer.id);
  await poll(async () => (await playing(page, newer.id)).t).toBeGreaterThan(0.5);
  const duration = await first.locator('video').evaluate((v: HTMLVideoElement) => v.duration);
  expect(Math.abs(duration - 6)).toBeLessThanOrEqual(2);
  expect(await first.locator('video').evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);
  await first.getByTestId('clip-sound').click();
  expect(await first.locator('video').evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
  expect(await first.getByTestId('clip-sound').getAttribute('aria-pressed')).toBe('true');
  // The creator is live: the badge links to the room.
  expect(await first.getByTestId('clip-live').getAttribute('href')).toBe(`/room?id=${r.id}`);
  await screenshot(page, 'clips-phone');

  // The card opens the room's detail sheet, then the off-live checkout, which follows the order to paid; the order is
  // the clip's.
  expect(await first.getByTestId('clip-card-title').textContent()).toBe('Jade bracelet');
  await first.getByTestId('clip-buy').click();
  await page.getByTestId('detail-buy').click();
  const checkout = page.getByTestId('checkout');
  expect(await checkout.count()).toBe(1);
  await checkout.getByTestId('checkout-pay').click();
  await poll(() => checkout.getByTestId('checkout-status').getAttribute('data-status'), 30_000).toBe('paid');
  expect(await checkout.getByTestId('checkout-status').textContent()).toBe('Paid');
  const orders = async () => (await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', buyer.token)).body.orders;
  const [order] = await orders();
  expect(order).toMatchObject({ channel: 'clip', roomId: r.id, productId: jade.id, creatorId: 'c1', unitPrice: 5_000, status: 'paid' });
  await checkout.getByTestId('checkout-done').click();

  // A declined card: the reason in words (not the gateway's code), and a retry that pays.
  sandbox.update({ declineRate: 1 });
  await first.getByTestId('clip-buy').click();
  await page.getByTestId('detail-buy').click();
  await checkout.getByTestId('checkout-pay').click();
  await poll(() => checkout.getByTestId('checkout-status').getAttribute('data-status'), 30_000).toBe('failed');
  expect(await checkout.getByTestId('checkout-reason').textContent()).toBe('Your card was declined. Try again or use another card.');
  expect(await page.textContent('body')).not.toContain('card_declined');
  sandbox.update({ declineRate: 0 });
  await checkout.getByTestId('checkout-retry').click();
  await poll(() => checkout.getByTestId('checkout-status').getAttribute('data-status'), 30_000).toBe('paid');
  await checkout.getByTestId('checkout-done').click();
  const all = await orders();
  expect(all.map((o) => [o.channel, o.status])).toEqual([
    ['clip', 'paid'],
    ['clip', 'failed'],
    ['clip', 'paid'],
  ]);

  // Swipe to the next clip: it plays, the first pauses.
  await page.locator(`[data-clip="${older!.id}"]`).scrollIntoViewIfNeeded();
  await poll(async () => (await playing(page, older!.id)).t).toBeGreaterThan(0.3);
  await poll(async () => (await playing(page, newer.id)).paused).toBe(true);
  await page.close();

  // One page per language, resized through the five screens (the layout follows the viewport; no reload needed).
  for (const locale of ['en-US', 'zh-CN']) {
    const { page: p } = await openPage(`${node.url}/clips`, { identity: buyer, viewport: VIEWPORTS[0], locale });
    await p.locator('[data-testid="clip-buy"]').first().waitFor();
    for (const viewport of VIEWPORTS) {
      const where = `${locale} ${viewport.width}×${viewport.height}`;
      await p.setViewportSize(viewport);
      await poll(() => p.evaluate(() => window.innerWidth)).toBe(viewport.width);
      await checkLayout(p, where);
      expect({ where, violations: await seriousA11yViolations(p) }).toEqual({ where, violations: [] });
    }
    if (locale === 'zh-CN') {
      expect(await p.getByTestId('clip-live').first().textContent()).toBe('直播中');
      // The checkout's status in Chinese words too.
      await p.locator('[data-testid="clip-buy"]').first().click();
      await p.getByTestId('detail-buy').click();
      await p.getByTestId('checkout-pay').click();
      await poll(() => p.getByTestId('checkout-status').getAttribute('data-status'), 30_000).toBe('paid');
      expect(await p.getByTestId('checkout-status').textContent()).toBe('已支付');
      expect({ where: 'zh-CN paid', violations: await seriousA11yViolations(p) }).toEqual({ where: 'zh-CN paid', violations: [] });
      await p.getByTestId('checkout-done').click();
    }
    await screenshot(p, `clips-1440-${locale}`);
    await p.close();
  }
}, 420_000);
