import { expect, it } from 'vitest';
import type { CreatorStorefront } from '@hawker/protocol';
import { api, devToken } from '../../../harness/clients.ts';
import { startCommerce } from '../../../harness/commerce.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../../harness/browser.ts';
import { useTeardown } from '../../../harness/teardown.ts';
import { waitFor } from '../../../harness/wait.ts';
import { room, select } from '../../channels/fixtures.ts';
import { addProduct, openShop } from '../../shops/fixtures.ts';
import { checkWidths, seriousA11yViolations } from './layout.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/**
 * The storefront pages (issue 19 item 1) in Chromium: a creator's page (live room, products, follow), their shop's and
 * their agency's, and a product's detail bought through the checkout sheet: the order is paid through the sandbox
 * gateway and is in the ledger with channel `storefront`. Every page at 360-1440 px without sideways scroll, touch
 * targets of 44 px, and no serious axe-core finding, in English and Chinese.
 */
it('storefronts render for a creator, a shop and an agency, and a product bought from its page is a paid storefront order', async () => {
  const { node } = await startCommerce(t);
  const creator = await devToken(node.url, { userId: 'c1', name: 'Mia Chen', role: 'creator', agencyId: 'ag1' });
  const shop = await openShop(node, creator, { name: '丝绒小店 Velvet Shop', currency: 'CNY' });
  const lipstick = await addProduct(node, creator, shop.id, {
    title: '哑光丝绒口红 Velvet Lipstick',
    description: 'Matte, long-lasting.',
    images: ['/samples/lipstick.svg'],
    category: 'beauty.lips',
    skus: [{ values: [], code: 'LIP-1', price: 9_900, stock: 5 }],
  });
  const live = await room(node, creator);
  await select(node, creator, live.id, lipstick.id);
  await waitFor('the creator is live on their storefront', async () => {
    const res = await api<CreatorStorefront>(node.url, 'GET', '/api/storefront/creators/c1');
    return res.body.live ? true : undefined;
  });
  const buyer = await devIdentity(node.url, { userId: 'sf-buyer', name: 'Ann', role: 'viewer' });

  // A creator's storefront: the live room, the product, following.
  const { page, errors } = await openPage(`${node.url}/store?creator=c1`, { identity: buyer, viewport: PHONE, locale: 'en-US' });
  await page.getByTestId('watch-live').waitFor();
  await page.getByTestId('product-card').first().waitFor();
  expect(await page.getByTestId('store-title').textContent()).toBe('Mia Chen');
  await poll(() => page.getByTestId('follow').getAttribute('aria-pressed')).toBe('false');
  await page.getByTestId('follow').click();
  await poll(() => page.getByTestId('follow').textContent()).toBe('Following');
  expect(await page.getByTestId('followers').textContent()).toBe('1 followers');
  await screenshot(page, 'store-creator-phone');
  expect(await checkWidths(page)).toEqual([]);
  expect(await seriousA11yViolations(page)).toEqual([]);

  // Its shop's and its agency's storefronts.
  for (const [path, title] of [
    [`/store?shop=${shop.id}`, '丝绒小店 Velvet Shop'],
    ['/store?agency=ag1', 'ag1'],
  ] as const) {
    await page.goto(`${node.url}${path}`);
    await page.getByTestId('store-title').waitFor();
    expect(await page.getByTestId('store-title').textContent()).toBe(title);
    expect(await checkWidths(page)).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
  }
  expect(await page.getByTestId('creator-row').getAttribute('data-id')).toBe('c1');

  // The product's page, in Chinese, bought through the checkout sheet.
  const zh = await openPage(`${node.url}/store?creator=c1`, { identity: buyer, viewport: PHONE, locale: 'zh-CN' });
  await zh.page.getByTestId('product-card').first().click();
  await zh.page.getByTestId('product-page').waitFor();
  expect(await zh.page.getByTestId('detail-buy').textContent()).toContain('立即购买');
  expect(await checkWidths(zh.page)).toEqual([]);
  expect(await seriousA11yViolations(zh.page)).toEqual([]);
  await zh.page.setViewportSize(PHONE);
  await zh.page.getByTestId('qty-more').click();
  await zh.page.getByTestId('detail-buy').click();
  await zh.page.getByTestId('checkout-pay').click();
  await poll(() => zh.page.getByTestId('checkout-status').getAttribute('data-status'), 30_000).toBe('paid');
  await screenshot(zh.page, 'store-product-paid-zh');
  expect(await seriousA11yViolations(zh.page)).toEqual([]);

  const { rows } = await node.node.ctx.db.query(`SELECT channel, status, quantity, buyer_id FROM orders WHERE product_id = $1`, [
    lipstick.id,
  ]);
  expect(rows).toEqual([{ channel: 'storefront', status: 'paid', quantity: 2, buyer_id: 'sf-buyer' }]);
  expect(errors).toEqual([]);
  expect(zh.errors).toEqual([]);
}, 240_000);
