import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { DevTokenResponse, Principal } from '@hawker/protocol';
import type { Teardown } from './teardown.ts';

/** Debian's Chromium, driven headless with fake camera and microphone (never a downloaded browser build). */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** Where screenshots go (gitignored); copies that look right are kept in docs/screenshots/ for the README. */
export const SCREENSHOT_DIR = path.resolve('test-artifacts/screenshots');

/** A phone-sized viewport (iPhone 12-15 class). */
export const PHONE = { width: 390, height: 844 };
/** A laptop viewport. */
export const DESKTOP = { width: 1280, height: 800 };

/** A page with its own storage, signed in as `identity` (the dev token the landing page would have stored). */
export interface TestPage {
  page: Page;
  /** Uncaught exceptions and console errors the page produced; tests assert it stays empty. */
  errors: string[];
  /**
   * Content-Security-Policy violations the page reported (`securitypolicyviolation` events and console messages about
   * the policy), less those in `allowCspViolations`. `useBrowser` fails the test when any page it opened has one.
   */
  cspViolations: string[];
}

/** Mints a dev token through the node, in the shape the pages keep in localStorage. */
export async function devIdentity(url: string, principal: Principal): Promise<DevTokenResponse> {
  const res = await fetch(`${url}/api/dev/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(principal),
  });
  if (res.status !== 201) throw new Error(`dev token failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as DevTokenResponse;
}

/** How `openPage` opens a page. */
export interface PageOptions {
  /** Signed in as this identity; nobody when absent. */
  identity?: DevTokenResponse;
  /** DESKTOP when absent. */
  viewport?: { width: number; height: number };
  /** The browser's language (navigator.language, Accept-Language), e.g. 'zh-CN'; Chromium's default when absent. */
  locale?: string;
  /** Console errors the test provokes on purpose (the 4xx of a refused action...), left out of `errors`. */
  allowErrors?: RegExp[];
  /** A script file run in the page before any of its own, for instrumentation (benchmarks). */
  initScript?: string;
  /**
   * Runs on the page before it navigates (routes that hold or fail a request); with it, `openPage` waits only for the
   * navigation to commit (a held script may hold the page's load event).
   */
  beforeGoto?: (page: Page) => Promise<void>;
  /** CSP violations expected on purpose (a third-party stylesheet a page is meant to be refused), left out of the check. */
  allowCspViolations?: RegExp[];
}

/**
 * Launches Debian's Chromium headless. `extraArgs` go after the usual flags and `options` override Playwright's (a
 * benchmark turns off Playwright's signal handlers, which would exit before its own cleanups run).
 */
export function launchChromium(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, ...extraArgs], timeout: 30_000, ...options });
}

/**
 * Opens `url` in a fresh browser context (own storage, camera allowed) at `viewport`, signed in as `identity` when
 * given. `adopt` gets the context before anything can fail, to close it later. Console errors and page errors are
 * collected in `errors`, except those listed in `allowErrors`.
 */
export async function openPage(
  browser: Browser,
  url: string,
  opts: PageOptions,
  adopt: (context: BrowserContext) => void,
): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    permissions: ['camera', 'microphone'],
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
  adopt(context);
  context.setDefaultTimeout(20_000);
  if (opts.identity) {
    const stored = JSON.stringify({ token: opts.identity.token, principal: opts.identity.principal, expiresAt: opts.identity.expiresAt });
    await context.addInitScript((value) => localStorage.setItem('hawker.identity', value), stored);
  }
  if (opts.initScript) await context.addInitScript({ path: opts.initScript });
  // Every page runs under the server's CSP, and a violation is a bug: the page's own code or a dependency doing
  // something the policy forbids (inline script or style, eval, a host not allowed) that works only by accident elsewhere.
  const cspViolations: string[] = [];
  const cspAllowed = (text: string) => (opts.allowCspViolations ?? []).some((re) => re.test(text));
  const cspViolation = (text: string) => {
    if (!cspAllowed(text)) cspViolations.push(text);
  };
  await context.exposeBinding('__hawkerCspViolation', (_source, text: string) => cspViolation(`event: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __hawkerCspViolation?: (text: string) => void }).__hawkerCspViolation;
      void report?.(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile || '?'}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const allowed = (text: string) => (opts.allowErrors ?? []).some((re) => re.test(text));
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) cspViolation(`console: ${msg.text()}`);
    if (msg.type() === 'error' && !allowed(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  if (opts.beforeGoto) {
    await opts.beforeGoto(page);
    await page.goto(url, { waitUntil: 'commit' });
  } else await page.goto(url);
  return { page, errors, cspViolations };
}

/**
 * One Chromium for every test of the file (launched before the first, closed after the last), and an `openPage` that
 * opens pages in it whose contexts `t` closes after the test. A test fails if any page it opened reported a
 * Content-Security-Policy violation (TestPage.cspViolations), whatever the test itself checked.
 */
export function useBrowser(t: Teardown): (url: string, opts?: PageOptions) => Promise<TestPage> {
  let browser: Browser | undefined;
  let opened: TestPage[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(() => {
    const violations = opened.flatMap((p) => p.cspViolations.map((v) => `${p.page.url()}: ${v}`));
    opened = [];
    if (violations.length > 0) throw new Error(`Content-Security-Policy violations:\n${[...new Set(violations)].join('\n')}`);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return async (url, opts = {}) => {
    if (!browser) throw new Error('Chromium is not running: its launch in beforeAll failed');
    const page = await openPage(browser, url, opts, (context) => t.add(context));
    opened.push(page);
    return page;
  };
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * `expect.poll` with a timeout suited to browser pages on a busy 2-core machine (vitest's default is 1 s). It waits
 * for a condition; the assertion itself is about correctness, not speed.
 */
export function poll<T>(fn: () => Promise<T> | T, timeout = 20_000) {
  return expect.poll(fn, { timeout, interval: 100 });
}
