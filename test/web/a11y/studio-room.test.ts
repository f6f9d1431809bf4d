import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { Product, Room, ShopProduct } from '@hawker/protocol';
import { seriousA11yViolations } from '../../../harness/axe.ts';
import { api, call, ok } from '../../../harness/clients.ts';
import { joinedViewer, startCommerceNode, startSandbox } from '../../../harness/commerce.ts';
import { devIdentity, type PageOptions, poll, useBrowser } from '../../../harness/browser.ts';
import { expectNoOverflow, ISSUE_VIEWPORTS } from '../../../harness/layout.ts';
import { waitFor } from '../../../harness/node.ts';
import { useTeardown } from '../../../harness/teardown.ts';
import { DICTIONARIES } from '../../../web/pages/lib/messages/all.ts';

const t = useTeardown();
const openPage = useBrowser(t);
const SHOTS = path.resolve('test-artifacts/studio-room');

/**
 * Latin words that may stay in the Chinese pages: the product's name, the test's own data (names, ids, the brand),
 * currency codes (Intl writes US$ in Chinese) and file formats, the creator's initials, the first pass's chat message,
 * and the language switcher's "English".
 */
const ALLOWED_LATIN = new Set([
  'hawker',
  'english',
  'usd',
  'us',
  'mc',
  'hello',
  'png',
  'jpeg',
  'webp',
  'https',
  'gmv',
  'sku',
  'mia',
  'chen',
  'ann',
  'min',
]);

/** English message texts (placeholders out) whose Chinese differs: one of these in a zh-CN page is a string left untranslated. */
const ENGLISH_ONLY = Object.entries(DICTIONARIES.en)
  .filter(([key, en]) => DICTIONARIES['zh-CN'][key as keyof typeof DICTIONARIES.en] !== en)
  .flatMap(([, en]) => en.split(/\{\w+\}/))
  .map((s) => s.trim())
  .filter((s) => s.length >= 8 && /[a-z]{3}/i.test(s));

/** What a zh-CN page shows in English: visible text and the names given to assistive technology. */
async function englishLeft(page: Page, data: string[]): Promise<string[]> {
  const texts = await page.evaluate(() => {
    // biome-ignore lint/performance/useDomNodeTextContent: the text as shown (hidden elements left out) is the point
    const out = [document.body.innerText];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('[aria-label], [placeholder], [title]'))) {
      if (el.getClientRects().length === 0) continue;
      for (const a of ['aria-label', 'placeholder', 'title']) {
        const v = el.getAttribute(a);
        if (v) out.push(v);
      }
    }
    return out;
  });
  let all = texts.join('\n');
  for (const d of data) all = all.split(d).join(' ');
  const words = [...all.matchAll(/[A-Za-z][A-Za-z']+/g)].map((m) => m[0]).filter((w) => !ALLOWED_LATIN.has(w.toLowerCase()));
  const phrases = ENGLISH_ONLY.filter((s) => all.includes(s));
  return [...new Set([...words, ...phrases])];
}

/** `openPage`, with more time for the navigation than its 20 s (a live studio and a room on a loaded 2-core box). */
async function open(url: string, opts: PageOptions) {
  const opened = await openPage('about:blank', opts);
  // about:blank has no storage for the sign-in script: its error is not the page's.
  opened.errors.length = 0;
  // Which request failed, beside the console's bare "404 (Not Found)".
  opened.page.on('response', (res) => {
    if (res.status() >= 400) opened.errors.push(`response: ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  await opened.page.goto(url, { timeout: 90_000 });
  return opened;
}

async function shot(page: Page, name: string): Promise<void> {
  await fs.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, timeout: 90_000 });
}

it('the studio (live, fake camera) and the viewer room fit 360-1440 px in English and Chinese, axe-core finds nothing serious, and the Chinese studio has no English left', async () => {
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox));
  const creator = await devIdentity(node.url, { userId: 'c-a11y', name: 'Mia Chen', role: 'creator', agencyId: 'ag-a11y' });
  const shop = await api<{ id: string }>(node.url, 'POST', '/api/shops', creator.token, { name: '米娅好物', currency: 'USD' });
  expect(shop.status).toBe(201);
  const scarf = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.body.id}/products`, creator.token, {
    title: '真丝围巾（手工卷边，超长名称也不能把页面撑宽）',
    images: ['/samples/scarf.svg'],
    category: 'apparel.scarves',
    attributes: [{ name: '颜色', values: ['红', '蓝'] }],
    skus: [
      { values: ['红'], code: 'SC-RED', price: 2_999, stock: 50 },
      { values: ['蓝'], code: 'SC-BLUE', price: 3_499, stock: 50 },
    ],
  });
  expect(scarf.status).toBe(201);
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: '周五好物直播' })).body;
  const selected = await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/selection`, creator.token, { productId: scarf.body.id });
  expect(selected.status).toBe(201);
  const lipstick = await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/products`, creator.token, {
    title: '丝绒口红',
    imageUrl: '/samples/lipstick.svg',
    price: 1_500,
    currency: 'USD',
    skus: [{ id: 'std', label: '标准', stock: 100 }],
  });
  expect(lipstick.status).toBe(201);
  // What the pages show of the test's own data (names and ids), not text of the pages'.
  const data = [
    room.id,
    creator.principal.userId,
    'v-a11y-1',
    'v-a11y-2',
    'b-a11y-1',
    'b-a11y-2',
    'SC-RED',
    'SC-BLUE',
    'fake_device_0',
    'fake_device_1',
    'fake_device_2',
  ];

  let live = false;
  let viewerN = 0;
  for (const locale of ['en', 'zh-CN'] as const) {
    // The studio, live from the fake camera (the first pass goes live; the second reopens the live room).
    const studio = await open(`${node.url}/studio?room=${room.id}`, { identity: creator, locale, viewport: ISSUE_VIEWPORTS[4] });
    await waitFor('camera preview', () => studio.page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), 30_000);
    if (!live) {
      await studio.page.getByTestId('go-live').click();
      live = true;
      // Something in each list: a flash sale, a chat message and an order.
      const sale = await api(node.url, 'POST', `/api/rooms/${room.id}/sales`, creator.token, {
        productId: lipstick.body.id,
        skuId: 'std',
        durationMs: 600_000,
        salePrice: 990,
        quantity: 30,
      });
      expect(sale.status).toBe(201);
      expect((await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator.token, { productId: selected.body.id })).status).toBe(200);
    }
    await poll(() => studio.page.getByTestId('room-status').getAttribute('class')).toContain('pill-live');

    const viewerIdentity = await devIdentity(node.url, { userId: `v-a11y-${++viewerN}`, name: 'Ann', role: 'viewer' });
    const viewer = await open(`${node.url}/room?id=${room.id}`, { identity: viewerIdentity, locale, viewport: ISSUE_VIEWPORTS[0] });
    await viewer.page.getByTestId('chat-log').waitFor();
    await viewer.page.getByTestId('chat-input').fill(locale === 'en' ? 'hello' : '你好');
    await viewer.page.getByTestId('chat-send').click();
    // An order in the live, over the socket as the room page places it.
    const buyer = await joinedViewer(t, node, room.id, { userId: `b-a11y-${viewerN}`, name: 'Ann' });
    ok(
      await call(buyer.socket, 'order:place', {
        roomId: room.id,
        productId: selected.body.id,
        skuId: selected.body.skus[0]!.id,
        quantity: 1,
        idempotencyKey: `a11y-order-${viewerN}`,
      }),
    );
    await studio.page.getByTestId('chat-msg').first().waitFor();
    await poll(() => studio.page.getByTestId('buyer').count()).toBeGreaterThan(0);
    // The studio's editor of a shop product, open, so its controls are checked too.
    await studio.page.getByTestId('edit-product').first().click();
    await studio.page.getByTestId('sku-row').first().waitFor();

    for (const viewport of ISSUE_VIEWPORTS) {
      for (const [name, page] of [
        ['studio', studio.page],
        ['room', viewer.page],
      ] as const) {
        const where = `${name} ${viewport.width} ${locale}`;
        await page.setViewportSize(viewport);
        await expectNoOverflow(page, where);
        expect({ where, violations: await seriousA11yViolations(page) }).toEqual({ where, violations: [] });
        if (locale === 'zh-CN') expect({ where, english: await englishLeft(page, data) }).toEqual({ where, english: [] });
        if (viewport.width === 360 || viewport.width === 1440) await shot(page, `${name}-${viewport.width}-${locale}`);
      }
    }
    expect(studio.errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
    await viewer.page.close();
    await studio.page.close();
  }
}, 300_000);
