import { expect, it } from 'vitest';
import { seriousA11yViolations } from '../../../harness/axe.ts';
import { devIdentity, PHONE, useBrowser } from '../../../harness/browser.ts';
import { expectNoOverflow, expectTappable, ISSUE_VIEWPORTS } from '../../../harness/layout.ts';
import { startNode } from '../../../harness/node.ts';
import { useTeardown } from '../../../harness/teardown.ts';

const t = useTeardown();
const openPage = useBrowser(t);

// One file per page family: the pages that need a live room (room, studio, console) are checked beside their own
// tests' set-up. axe-core reports by impact; serious and critical are the issue's bar.
it('axe-core finds no serious or critical violations on the landing page and My orders, in both languages', async () => {
  const node = t.add(await startNode());
  const buyer = await devIdentity(node.url, { userId: 'a11y-buyer', name: 'Ann', role: 'viewer' });
  for (const locale of ['en-US', 'zh-CN']) {
    for (const [path, identity] of [
      ['/', undefined],
      ['/orders', buyer],
    ] as const) {
      const { page } = await openPage(`${node.url}${path}`, { identity, viewport: PHONE, locale });
      await page.waitForLoadState('networkidle');
      expect({ path, locale, violations: await seriousA11yViolations(page) }).toEqual({ path, locale, violations: [] });
      await page.close();
    }
  }
});

it('the landing page speaks the browser language, fits 360-1440 px, and phones reach the top bar links through the menu button', async () => {
  const node = t.add(await startNode());
  const zh = await openPage(`${node.url}/`, { viewport: PHONE, locale: 'zh-CN' });
  expect(await zh.page.locator('h1').textContent()).toBe('直播购物间，运行在你自己的服务器上。');
  expect(await zh.page.locator('#sign-in-button').textContent()).toBe('获取开发令牌');
  await zh.page.close();
  const { page, errors } = await openPage(`${node.url}/`, { viewport: PHONE, locale: 'en-US' });
  for (const viewport of ISSUE_VIEWPORTS) {
    await page.setViewportSize(viewport);
    await expectNoOverflow(page, `landing ${viewport.width}`);
    await expectTappable(page, `landing ${viewport.width}`, '[data-testid="nav-menu"], #sign-in-button, #refresh-live');
  }
  await page.setViewportSize({ width: 360, height: 800 });
  const orders = page.locator('#topbar-nav a[href="/orders"]');
  expect(await orders.isVisible()).toBe(false);
  await page.getByTestId('nav-menu').click();
  expect(await page.getByTestId('nav-menu').getAttribute('aria-expanded')).toBe('true');
  await orders.click();
  await page.waitForURL(/\/orders/);
  expect(errors).toEqual([]);
});
