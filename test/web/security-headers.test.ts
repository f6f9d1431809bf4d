import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { BOARD_CSP, PAGE_CSP } from '../../server/edge/headers.ts';
import { BOARD_PATH } from '../../server/payments/board.ts';

const t = useTeardown();
const PUBLIC = path.resolve('web/public');

/** A CSP header as directive -> sources, to compare with the policy's declaration. */
function parseCsp(header: string | null): Record<string, string[]> {
  expect(header, 'Content-Security-Policy header').toBeTruthy();
  return Object.fromEntries(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** The headers every response carries besides its CSP. */
function expectCommonHeaders(what: string, h: Headers): void {
  expect([
    what,
    h.get('x-content-type-options'),
    h.get('referrer-policy'),
    h.get('cross-origin-opener-policy'),
    h.get('x-frame-options'),
    h.get('strict-transport-security'),
    h.get('x-powered-by'),
  ]).toEqual([what, 'nosniff', 'no-referrer', 'same-origin', 'DENY', 'max-age=15552000', null]);
}

it('every HTML route, the API and Bull Board carry the security headers; the pages have nothing inline for the CSP to refuse', async () => {
  const node = t.add(await startNode());
  const pages = (await fs.readdir(PUBLIC)).filter((f) => f.endsWith('.html'));
  expect(pages.sort()).toEqual([
    'agency.html',
    'clips.html',
    'console.html',
    'crowd.html',
    'dashboard.html',
    'index.html',
    'orders.html',
    'replay.html',
    'report.html',
    'room.html',
    'search.html',
    'store.html',
    'studio.html',
  ]);
  // Every way the static server answers with a page: /, /x.html and /x (extensions: ['html']).
  const htmlRoutes = ['/', ...pages.flatMap((f) => [`/${f}`, `/${f.replace(/\.html$/, '')}`])].filter((r) => r !== '/index');

  for (const route of htmlRoutes) {
    const res = await fetch(`${node.url}${route}`);
    expect([route, res.status, res.headers.get('content-type')]).toEqual([route, 200, expect.stringMatching(/^text\/html/)]);
    expect([route, parseCsp(res.headers.get('content-security-policy'))]).toEqual([route, PAGE_CSP]);
    expectCommonHeaders(route, res.headers);
    // The policy allows no inline script, event handler or style: the pages must not have any.
    const html = await res.text();
    expect([route, html.match(/<script(?![^>]*\bsrc=)[^>]*>/gi)]).toEqual([route, null]);
    expect([route, html.match(/\son[a-z]+\s*=/gi)]).toEqual([route, null]);
    expect([route, html.match(/<style|\sstyle\s*=/gi)]).toEqual([route, null]);
  }

  // Everything else the node answers: scripts, styles, images, JSON, errors.
  for (const route of ['/build/landing.js', '/style.css', '/favicon.svg', '/samples/scarf.svg', '/api/rooms', '/healthz', '/api/nothing']) {
    const res = await fetch(`${node.url}${route}`);
    expect([route, parseCsp(res.headers.get('content-security-policy'))]).toEqual([route, PAGE_CSP]);
    expectCommonHeaders(route, res.headers);
    // Product images may be shown by pages of other origins; the rest is for this site only.
    expect([route, res.headers.get('cross-origin-resource-policy')]).toEqual([
      route,
      route.startsWith('/samples/') ? 'cross-origin' : 'same-origin',
    ]);
  }

  // Bull Board: its own CSP on the page, its API and its refusals; the other headers as everywhere.
  const admin = await devToken(node.url, { userId: 'root', name: 'Root', role: 'admin' });
  for (const [what, route, headers, status] of [
    ['board page', BOARD_PATH, { authorization: `Bearer ${admin}` }, 200],
    ['board API', `${BOARD_PATH}/api/queues`, { authorization: `Bearer ${admin}` }, 200],
    ['board refusal', BOARD_PATH, {}, 401],
  ] as const) {
    const res = await fetch(`${node.url}${route}`, { headers });
    expect([what, res.status]).toEqual([what, status]);
    expect([what, parseCsp(res.headers.get('content-security-policy'))]).toEqual([what, BOARD_CSP]);
    expectCommonHeaders(what, res.headers);
  }
  // The pages' policy is not loosened by the board's.
  expect(PAGE_CSP['style-src']).toEqual(["'self'"]);
  expect(BOARD_CSP['script-src']).toEqual(["'self'"]);
});

it("Socket.IO's own HTTP answers (the long-polling handshake) carry nosniff and an inert CSP", async () => {
  const node = t.add(await startNode());
  const res = await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`);
  await res.arrayBuffer();
  expect([res.status, res.headers.get('x-content-type-options'), res.headers.get('x-frame-options')]).toEqual([200, 'nosniff', 'DENY']);
  expect(parseCsp(res.headers.get('content-security-policy'))).toEqual({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
  expect([res.headers.get('referrer-policy'), res.headers.get('cross-origin-resource-policy')]).toEqual(['no-referrer', 'same-origin']);
});
