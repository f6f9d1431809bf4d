import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { api } from '../../harness/clients.ts';
import { startCommerce } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { buys, liveRoom } from '../crowd/fixtures.ts';

const t = useTeardown();
const openPage = useBrowser(t);

const WIDE = { width: 1440, height: 900 };
const noOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
/** How many of the page's chart canvases have drawn pixels (uPlot draws on canvas; a blank one is all transparent). */
const drawnCharts = (page: Page) =>
  page.evaluate(
    () =>
      Array.from(document.querySelectorAll<HTMLCanvasElement>('.chart-box canvas')).filter((c) => {
        const ctx = c.getContext('2d');
        if (!ctx || !c.width || !c.height) return false;
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
        return false;
      }).length,
  );

it('the post-live report and the crowd page render at 390 and 1440 px without sideways scroll, charts drawn, in en and zh-CN', async () => {
  const { node } = await startCommerce(t, { env: { CROWD_FLUSH_MS: '100' } });
  const creator = await devIdentity(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const { room, product } = await liveRoom(node, creator.token, 'Evening silk show', 2500);
  expect((await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator.token, { productId: product.id })).status).toBe(200);
  await buys(t, node, creator.token, room.id, product.id, 'buyer1', 2);

  for (const [viewport, locale, gmv] of [
    [PHONE, 'en-US', '$50.00'],
    [WIDE, 'zh-CN', 'US$50.00'],
    [PHONE, 'zh-CN', 'US$50.00'],
    [WIDE, 'en-US', '$50.00'],
  ] as const) {
    const { page, errors } = await openPage(`${node.url}/report?room=${room.id}`, { identity: creator, viewport, locale });
    await poll(() => page.getByTestId('report-paid').textContent()).toBe('1');
    expect(await page.getByTestId('report-gmv').textContent()).toBe(gmv);
    await poll(() => drawnCharts(page)).toBe(1);
    expect(await page.locator('h1').textContent()).toContain(locale === 'zh-CN' ? '直播复盘' : 'Post-live report');
    expect(await noOverflow(page)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, `report-${viewport.width}-${locale}`);
    expect(errors).toEqual([]);
    await page.close();
  }

  for (const [viewport, locale] of [
    [PHONE, 'zh-CN'],
    [WIDE, 'en-US'],
  ] as const) {
    const { page, errors } = await openPage(`${node.url}/crowd`, { identity: creator, viewport, locale });
    await poll(() => page.getByTestId('crowd-now-first').textContent()).toBe('1');
    await poll(() => drawnCharts(page)).toBe(3);
    expect(await noOverflow(page)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, `crowd-${viewport.width}-${locale}`);
    expect(errors).toEqual([]);
    await page.close();
  }
}, 240_000);
