import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/** Screens issue 17 names: three phones, a tablet and a desktop. */
export const ISSUE_VIEWPORTS = [
  { width: 360, height: 800 },
  { width: 390, height: 844 },
  { width: 412, height: 915 },
  { width: 768, height: 1024 },
  { width: 1440, height: 900 },
] as const;

/** The page is no wider than the screen: nothing scrolls sideways. */
export async function expectNoOverflow(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => {
    // The innermost elements sticking out past the right edge, named, so a failure says what to fix.
    const out = Array.from(document.querySelectorAll<HTMLElement>('body *'))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .filter((el) => !Array.from(el.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}[${el.dataset.testid ?? ''}]`);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: out.join(' ') };
  });
  expect(`${where}: ${scrollWidth} <= ${innerWidth} ${wide}`).toBe(
    `${where}: ${Math.min(scrollWidth, innerWidth)} <= ${innerWidth} ${wide}`,
  );
}

/**
 * Every shown control matching `selector` is at least 44×44 CSS px (a thumb's size) and within the screen's width
 * (controls further down the page are reached by scrolling down, never sideways).
 */
export async function expectTappable(page: Page, where: string, selector: string): Promise<void> {
  const bad = await page.evaluate((sel) => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(sel))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not shown at this size
      if (r.width < 43.5 || r.height < 43.5 || r.left < 0 || r.right > window.innerWidth)
        out.push(
          `${el.dataset.testid ?? el.textContent?.trim().slice(0, 20)} ${Math.round(r.left)} ${Math.round(r.width)}×${Math.round(r.height)}`,
        );
    }
    return out;
  }, selector);
  expect([where, bad]).toEqual([where, []]);
}
