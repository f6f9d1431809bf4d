import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { Product, Room, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, poll, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

/** Screens the issue names: three phones and a desktop. */
const VIEWPORTS = [
  { width: 360, height: 800 },
  { width: 390, height: 844 },
  { width: 412, height: 915 },
  { width: 768, height: 1024 },
  { width: 1440, height: 900 },
];
const SCREENS = path.resolve('test-artifacts/screens');

async function shot(page: Page, name: string): Promise<void> {
  await fs.mkdir(SCREENS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
}

/** The page is no wider than the screen: nothing scrolls sideways. */
async function expectNoOverflow(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(`${where}: ${scrollWidth} <= ${innerWidth}`).toBe(`${where}: ${Math.min(scrollWidth, innerWidth)} <= ${innerWidth}`);
}

/** Every visible control named by these test ids is inside the viewport and at least 44×44 CSS px (a thumb's size). */
async function expectTappable(page: Page, where: string, testIds: string[]): Promise<void> {
  const small = await page.evaluate((ids) => {
    const bad: string[] = [];
    for (const id of ids)
      for (const el of Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue; // not shown at this size
        if (r.width < 44 || r.height < 44 || r.left < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight)
          bad.push(`${id} ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    return bad;
  }, testIds);
  expect([where, small]).toEqual([where, []]);
}

/** Visible elements with this test id (the desktop shows the bag as a panel, phones in a sheet). */
const visible = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"]:visible`);

it('phone-first room: a viewer picks a SKU and quantity, pays and sees paid; a declined card reads as words and a retry pays; no sideways scroll and thumb-sized controls from 360 to 1440 px, in English and Chinese', async () => {
  // A gateway that takes a moment to answer, as real ones do: the order spends that moment being paid (pending_payment).
  const sandbox = t.add(await startSandbox({ latencyMs: 300 }));
  const node = t.add(await startCommerceNode(sandbox));
  const creator = await devIdentity(node.url, { userId: 'c-phone', name: 'Mia Chen', role: 'creator', agencyId: 'ag-phone' });
  const shop = await api<{ id: string }>(node.url, 'POST', '/api/shops', creator.token, { name: 'Mia Picks', currency: 'USD' });
  expect(shop.status).toBe(201);
  const shopProduct = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.body.id}/products`, creator.token, {
    title: 'Mulberry silk scarf with a very long name that must not push the page sideways on a small phone',
    description: 'Pure mulberry silk, hand-rolled edges.\n90 × 90 cm.',
    images: ['/samples/scarf.svg', '/samples/lipstick.svg', '/samples/sneaker.svg'],
    category: 'apparel.scarves',
    attributes: [{ name: 'Colour', values: ['Red', 'Blue', 'Green'] }],
    skus: [
      { values: ['Red'], code: 'SC-RED', price: 2_999, stock: 200 },
      { values: ['Blue'], code: 'SC-BLUE', price: 3_499, stock: 200 },
      { values: ['Green'], code: 'SC-GREEN', price: 3_999, stock: 200 },
    ],
  });
  expect(shopProduct.status).toBe(201);
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Scarf Friday' })).body;
  const scarf = await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/selection`, creator.token, { productId: shopProduct.body.id });
  expect(scarf.status).toBe(201);
  const lipstick = await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/products`, creator.token, {
    title: 'Velvet lipstick',
    imageUrl: '/samples/lipstick.svg',
    price: 1_500,
    currency: 'USD',
    skus: [{ id: 'std', label: 'Standard', stock: 500 }],
  });
  expect(lipstick.status).toBe(201);
  await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator.token);
  expect((await api(node.url, 'PUT', `/api/rooms/${room.id}/pin`, creator.token, { productId: scarf.body.id })).status).toBe(200);
  const sale = await api(node.url, 'POST', `/api/rooms/${room.id}/sales`, creator.token, {
    productId: lipstick.body.id,
    skuId: 'std',
    durationMs: 600_000,
    salePrice: 990,
    quantity: 300,
  });
  expect(sale.status).toBe(201);
  const blue = scarf.body.skus.find((s) => s.values?.[0] === 'Blue')!;
  expect(blue).toBeDefined();

  let n = 0;
  for (const locale of ['en', 'zh-CN'] as const) {
    for (const viewport of VIEWPORTS) {
      const name = `room-${viewport.width}-${locale}`;
      const identity = await devIdentity(node.url, { userId: `v-${++n}`, name: `Viewer ${n}`, role: 'viewer' });
      // The first viewer bought in the storefront before: the room's orders sheet lists that order too (from the ledger).
      const earlier = n === 1 ? 1 : 0;
      if (earlier) {
        const res = await api(node.url, 'POST', '/api/orders', identity.token, {
          productId: shopProduct.body.id,
          skuId: blue.id,
          quantity: 1,
          idempotencyKey: 'room-phone-earlier-order',
          channel: 'storefront',
        });
        expect(res.status).toBe(201);
      }
      const viewer = await openPage(`${node.url}/room?id=${room.id}`, { identity, viewport, locale });
      const { page } = viewer;
      await page.getByTestId('chat-log').waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale);
      await poll(() => page.getByTestId('pinned-title').textContent()).toContain('Mulberry silk scarf');
      await poll(() => page.getByTestId('sale-stock').textContent()).toContain('300');
      await expectNoOverflow(page, `${name} room`);
      await expectTappable(page, `${name} room`, ['like', 'bag-open', 'orders-open', 'buy-pinned', 'buy-sale', 'chat-send', 'language']);
      // Landscape or portrait, the picture is shown whole: never cropped to fill the frame.
      expect(await page.getByTestId('video').evaluate((v) => getComputedStyle(v).objectFit)).toBe('contain');
      await shot(page, `${name}-1-room`);

      // The bag lists every product with its price and stock (a sheet on phones, the left panel on desktops).
      if (viewport.width < 1024) await page.getByTestId('bag-open').click();
      await poll(() => visible(page, 'bag-item').count()).toBe(2);
      expect(await visible(page, 'bag-sale').count()).toBe(1);
      await expectNoOverflow(page, `${name} bag`);
      await shot(page, `${name}-2-bag`);

      // Detail: images, description, SKU choice, quantity within limits, the SKU's own price.
      await visible(page, 'bag-item').filter({ hasText: 'Mulberry' }).click();
      const detail = page.getByTestId('detail');
      await detail.getByTestId('gallery').waitFor();
      expect(await detail.locator('.gallery img').count()).toBe(3);
      expect(await detail.textContent()).toContain('hand-rolled edges');
      await detail.locator(`[data-testid="sku"][data-sku="${blue.id}"]`).click();
      await detail.getByTestId('qty-more').click();
      await poll(() => detail.getByTestId('qty').textContent()).toBe('2');
      expect(await detail.getByTestId('detail-price').textContent()).toMatch(/34[.,]99/);
      await expectNoOverflow(page, `${name} detail`);
      await expectTappable(page, `${name} detail`, ['sku', 'qty-less', 'qty-more', 'detail-buy', 'detail-close']);
      await shot(page, `${name}-3-detail`);

      // Checkout: confirm, then the status in the sheet: reserved → paying → paid.
      await detail.getByTestId('detail-buy').click();
      const checkout = page.getByTestId('checkout');
      expect(await checkout.getByTestId('checkout-total').textContent()).toMatch(/69[.,]98/);
      // Every text the sheet shows on the way (a reason for expiry never appears while an order is being paid).
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seen: string[] }).seen = seen;
        new MutationObserver(() => seen.push(document.querySelector('[data-testid="checkout"]')?.textContent ?? '')).observe(
          document.body,
          {
            subtree: true,
            childList: true,
            characterData: true,
          },
        );
      });
      await checkout.getByTestId('checkout-pay').click();
      await poll(() => checkout.getByTestId('checkout-status').getAttribute('data-status')).toBe('paid');
      expect(await checkout.getByTestId('checkout-status').textContent()).toBe(locale === 'en' ? 'Paid' : '已支付');
      const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((text) => /elapsed|window|card_declined/.test(text))).toEqual([]);
      await expectNoOverflow(page, `${name} paid`);
      await shot(page, `${name}-4-paid`);

      // A declined card: the reason in words (not `card_declined`), and a retry that pays.
      sandbox.update({ declineRate: 1 });
      await checkout.getByTestId('checkout-done').click();
      await visible(page, 'buy-pinned').click();
      await detail.getByTestId('detail-buy').click();
      await checkout.getByTestId('checkout-pay').click();
      await poll(() => checkout.getByTestId('checkout-status').getAttribute('data-status')).toBe('failed');
      const reason = await checkout.getByTestId('checkout-reason').textContent();
      expect(reason).toBe(locale === 'en' ? 'Your card was declined. Try again or use another card.' : '银行卡被拒绝。请重试或换一张卡。');
      expect(await page.textContent('body')).not.toContain('card_declined');
      await expectNoOverflow(page, `${name} declined`);
      await shot(page, `${name}-5-declined`);
      sandbox.update({ declineRate: 0 });
      await checkout.getByTestId('checkout-retry').click();
      await poll(() => checkout.getByTestId('checkout-status').getAttribute('data-status')).toBe('paid');
      await checkout.getByTestId('checkout-done').click();

      // My orders: all three of this visit, not one slot, newest first (and the earlier one from the storefront last).
      await page.getByTestId('orders-open').click();
      await poll(() => page.getByTestId('my-order').count()).toBe(3 + earlier);
      const statuses = (await page.getByTestId('my-order-status').allTextContents()).slice(0, 3);
      expect(statuses).toEqual(locale === 'en' ? ['Paid', 'Payment failed', 'Paid'] : ['已支付', '支付失败', '已支付']);
      await expectNoOverflow(page, `${name} orders`);
      await shot(page, `${name}-6-orders`);
      expect(viewer.errors).toEqual([]);
      await page.context().close();
    }
  }
}, 360_000);
