/** What the centre page tests check at every width: no sideways scroll, touch targets, no serious axe finding. */
import type { Page } from 'playwright-core';
import { seriousA11yViolations } from '../../../harness/axe.ts';

/** The widths the issue names: small and large phones, a tablet, a desktop. */
export const WIDTHS = [360, 390, 412, 768, 1440] as const;

/**
 * What is wrong with the page's layout as it is now: the document scrolling sideways, and visible controls (links,
 * buttons, inputs, selects, summaries) smaller than 44 x 44 px.
 */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) out.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth} px`);
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('a[href], button, input, select, summary'))) {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      const r = el.getBoundingClientRect();
      // 0.5 px of slack for sub-pixel layout.
      if (r.width < 43.5 || r.height < 43.5)
        out.push(
          `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" is ${Math.round(r.width)}x${Math.round(r.height)}`,
        );
    }
    return out;
  });
}

/** Resizes the page to each width and returns what is wrong at each (an empty list when nothing is). */
export async function checkWidths(page: Page, height = 900): Promise<{ width: number; problems: string[] }[]> {
  const found: { width: number; problems: string[] }[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height });
    // A layout pass at the new width before measuring (ResizeObserver callbacks, the charts' resize).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const problems = await layoutProblems(page);
    if (problems.length) found.push({ width, problems });
  }
  return found;
}

export { seriousA11yViolations };
