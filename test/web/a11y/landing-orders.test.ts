import { expect, it } from 'vitest';
import { seriousA11yViolations } from '../../../harness/axe.ts';
import { devIdentity, PHONE, useBrowser } from '../../../harness/browser.ts';
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
