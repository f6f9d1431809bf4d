import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { Order, Room } from '@hawker/protocol';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { api } from '../../harness/clients.ts';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { encode } from '../uploads/fixtures.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/** The page is no wider than the screen. */
async function noOverflow(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

it('the studio creates a three-SKU product with an uploaded picture, edits a price and restocks while live; viewers see both; the end shows the summary and the ended room sells on', async () => {
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox, { UPLOADS_DIR: await mkdtemp(path.join(tmpdir(), 'hawker-studio-')) }));
  const creator = await devIdentity(node.url, { userId: 'c-studio', name: 'Mia Chen', role: 'creator' });
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Tee drop' })).body;
  await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator.token);

  const viewerId = await devIdentity(node.url, { userId: 'v-studio', name: 'Ann', role: 'viewer' });
  const viewer = await openPage(`${node.url}/room?id=${room.id}`, { identity: viewerId, viewport: PHONE });
  await viewer.page.getByTestId('chat-log').waitFor();
  const studio = await openPage(`${node.url}/studio?room=${room.id}`, { identity: creator, viewport: PHONE });
  await studio.page.getByTestId('np-title').waitFor();

  // Create: a name, an uploaded PNG, three sizes at three prices.
  await studio.page.getByTestId('np-title').fill('Cotton tee');
  // The picture picker is the page's own translated button (a label for the visually hidden input), not the browser's
  // "Choose File / No file chosen": reached with the keyboard, its focus shows on the button; the name chosen shows.
  const pick = studio.page.getByTestId('np-file-pick');
  expect(await pick.textContent()).toBe('Choose a picture');
  expect(await pick.getAttribute('for')).toBe(await studio.page.getByTestId('np-file').getAttribute('id'));
  expect(await studio.page.getByTestId('np-file-chosen').textContent()).toBe('No picture chosen');
  await studio.page.getByTestId('np-title').focus();
  await studio.page.keyboard.press('Tab');
  expect(await studio.page.getByTestId('np-file').evaluate((el) => el === document.activeElement)).toBe(true);
  expect(await pick.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await studio.page.getByTestId('np-file').setInputFiles({ name: 'tee.png', mimeType: 'image/png', buffer: await encode('png') });
  expect(await studio.page.getByTestId('np-file-chosen').textContent()).toBe('tee.png');
  await poll(() => studio.page.locator('.np-preview').getAttribute('src')).toMatch(/^\/uploads\/[0-9a-f]{64}\.png$/);
  const values = studio.page.getByTestId('np-sku-value');
  const prices = studio.page.getByTestId('np-sku-price');
  for (const [i, [v, p]] of [
    ['S', '10'],
    ['M', '12'],
    ['L', '14'],
  ].entries()) {
    await values.nth(i).fill(v!);
    await prices.nth(i).fill(p!);
  }
  await studio.page.getByTestId('np-create').click();
  const row = studio.page.getByTestId('product').filter({ hasText: 'Cotton tee' });
  await row.waitFor().catch(async (err: unknown) => {
    await screenshot(studio.page, 'studio-create-failed');
    throw new Error(`${(err as Error).message}; page says: ${await studio.page.locator('.toast').allTextContents()}`);
  });
  expect(await row.locator('img').getAttribute('src')).toMatch(/^\/uploads\//);

  // The viewer's bag lists it: from $10.00, 60 left.
  await viewer.page.getByTestId('bag-open').click();
  const item = viewer.page.getByTestId('bag-item').filter({ hasText: 'Cotton tee' });
  await poll(() => item.textContent()).toContain('$10.00');
  await poll(() => item.getByTestId('bag-stock').textContent()).toContain('60');

  // While live: S down to $8.50, M restocked by 10. The viewer's open bag follows the pushes.
  await row.getByTestId('edit-product').click();
  const skuRows = row.getByTestId('sku-row');
  await skuRows.first().waitFor();
  expect(await skuRows.count()).toBe(3);
  await skuRows.nth(0).getByTestId('sku-price').fill('8.50');
  await skuRows.nth(0).getByTestId('save-price').click();
  await skuRows.nth(1).getByTestId('restock-units').fill('10');
  await skuRows.nth(1).getByTestId('restock').click();
  await poll(() => item.textContent()).toContain('$8.50');
  await poll(() => item.getByTestId('bag-stock').textContent()).toContain('70');
  await viewer.page.getByTestId('bag-close').click();

  // The viewer buys one S; the studio's buyers list shows the order.
  await viewer.page.getByTestId('bag-open').click();
  await item.getByTestId('bag-buy').click();
  await viewer.page.getByTestId('detail-buy').click();
  await viewer.page.getByTestId('checkout-pay').click();
  await poll(() => viewer.page.getByTestId('checkout-status').textContent()).toBe('Paid');
  await poll(() => studio.page.getByTestId('buyer').first().textContent(), 30_000).toContain('Cotton tee');
  // The creator is not one of the viewers.
  await poll(() => studio.page.getByTestId('count-viewers').textContent()).toBe('1');
  expect(await noOverflow(studio.page)).toBe(true);
  expect(await seriousA11yViolations(studio.page)).toEqual([]);
  await screenshot(studio.page, 'studio-products-phone');

  // End: the studio shows the summary; the viewer's page becomes the ended room.
  await studio.page.getByTestId('end-live').click();
  await studio.page.getByTestId('end-live').click();
  await studio.page.getByTestId('live-summary').waitFor();
  expect(await studio.page.getByTestId('sum-peak').textContent()).toBe('1');
  expect(await studio.page.getByTestId('sum-orders').textContent()).toBe('1');
  expect(await studio.page.getByTestId('sum-top').textContent()).toContain('Cotton tee');
  expect(await seriousA11yViolations(studio.page)).toEqual([]);
  await screenshot(studio.page, 'studio-summary-phone');

  const ended = viewer.page.getByTestId('ended-room');
  await ended.waitFor();
  await viewer.page.getByTestId('live-summary').waitFor();
  // Viewers see the audience, not the money.
  expect(await viewer.page.getByTestId('sum-gmv').count()).toBe(0);
  // No recording (RECORDING is off in tests): no replay link, and the replay player is never loaded.
  expect(await viewer.page.getByTestId('replay-link').count()).toBe(0);
  expect(await viewer.page.evaluate(() => performance.getEntriesByType('resource').some((e) => /replay|hls/.test(e.name)))).toBe(false);
  const follow = viewer.page.getByTestId('follow');
  await follow.click();
  await poll(() => follow.getAttribute('aria-pressed')).toBe('true');
  // The product still sells after the live: a replay order credited to the room.
  const product = viewer.page.getByTestId('ended-product').filter({ hasText: 'Cotton tee' });
  await product.getByTestId('ended-buy').click();
  await poll(async () => {
    const { body } = await api<{ orders: Order[] }>(node.url, 'GET', '/api/orders', viewerId.token);
    return body.orders.filter((o) => o.channel === 'replay' && o.roomId === room.id).length;
  }).toBe(1);
  expect(await noOverflow(viewer.page)).toBe(true);
  expect(await seriousA11yViolations(viewer.page)).toEqual([]);
  await screenshot(viewer.page, 'room-ended-phone');
  expect(studio.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
}, 300_000);
