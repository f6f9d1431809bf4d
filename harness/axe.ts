import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** One axe-core finding, trimmed to what a failing test message needs. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let source: Promise<string> | undefined;

/**
 * Runs axe-core (a maintained accessibility rule engine; writing WCAG rules by hand would be worse) on the page as it
 * is now and returns the violations whose impact is `serious` or `critical`. The engine is injected through the
 * DevTools protocol (`page.evaluate`), which a page's CSP does not govern, so the page keeps its real policy.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeFinding[]> {
  source ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const code = await source;
  // A string is evaluated as a script in the page (the DevTools protocol's Runtime.evaluate), outside its CSP.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(code);
  const findings = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')),
    }));
  });
  return findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}
