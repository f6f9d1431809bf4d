import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { Order, ShopProduct } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startCommerceNode } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';
import { seriousA11yViolations } from '../../harness/axe.ts';
import { expectNoOverflow, expectTappable, ISSUE_VIEWPORTS } from '../../harness/layout.ts';
import { fulfilmentBench, ship, shopWithPaidOrders } from '../fulfilment/fixtures.ts';

const t = useTeardown();
const openPage = useBrowser(t);

const noOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

it('My orders lists the buyer’s orders from the ledger (not another buyer’s), and cancels one not yet paid', async () => {
  // No payment worker: orders stay reserved, so there is something to cancel.
  const node = t.add(await startCommerceNode(null, { PAYMENT_WORKER: 'false' }));
  const merchant = await devIdentity(node.url, { userId: 'm-orders', name: 'Jade House', role: 'merchant' });
  const shop = await api<{ id: string }>(node.url, 'POST', '/api/shops', merchant.token, { name: 'Jade House', currency: 'USD' });
  expect(shop.status).toBe(201);
  const product = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.body.id}/products`, merchant.token, {
    title: 'Jade bracelet',
    images: ['/samples/scarf.svg'],
    category: 'jewellery.bracelets',
    skus: [{ values: [], code: 'JADE-1', price: 12_900, stock: 10 }],
  });
  expect(product.status).toBe(201);
  const skuId = product.body.skus[0]!.id;
  const buyer = await devIdentity(node.url, { userId: 'b-orders', name: 'Ann', role: 'viewer' });
  const other = await devIdentity(node.url, { userId: 'b-other', name: 'Bo', role: 'viewer' });
  const place = async (token: string, quantity: number, key: string) => {
    const res = await api<{ order: Order }>(node.url, 'POST', '/api/orders', token, {
      productId: product.body.id,
      skuId,
      quantity,
      idempotencyKey: key,
      channel: 'storefront',
    });
    expect(res.status).toBe(201);
    return res.body.order;
  };
  const first = await place(buyer.token, 1, 'orders-page-first');
  const second = await place(buyer.token, 2, 'orders-page-second');
  await place(other.token, 3, 'orders-page-other');

  const { page, errors } = await openPage(`${node.url}/orders`, { identity: buyer, viewport: PHONE });
  await poll(() => page.getByTestId('order-row').count()).toBe(2);
  // Newest first, with amounts and statuses; the other buyer's order is not there.
  expect(await page.getByTestId('order-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order')))).toEqual([
    second.id,
    first.id,
  ]);
  expect(await page.getByTestId('order-amount').allTextContents()).toEqual(['$258.00', '$129.00']);
  expect(await page.getByTestId('order-status').allTextContents()).toEqual(['Reserved for you', 'Reserved for you']);
  expect(await noOverflow(page)).toBe(true);

  // Cancel needs a second tap; then the row shows the ledger's answer.
  const row = page.locator(`[data-order="${first.id}"]`);
  await row.getByTestId('order-cancel').click();
  await row.getByTestId('order-cancel').click();
  await poll(() => row.getByTestId('order-status').getAttribute('data-status')).toBe('cancelled');
  expect(await row.getByTestId('order-cancel').count()).toBe(0);
  expect((await api<Order>(node.url, 'GET', `/api/orders/${first.id}`, buyer.token)).body.status).toBe('cancelled');
  expect((await api<Order>(node.url, 'GET', `/api/orders/${second.id}`, buyer.token)).body.status).toBe('reserved');
  await screenshot(page, 'orders-phone');
  expect(errors).toEqual([]);
});

it('My orders shows tracking once shipped and where refunds stand, fits 360-1440 px with 44 px controls, and is axe-clean in en and zh-CN', async () => {
  const { node } = await fulfilmentBench(t);
  const { token: merchant } = await shopWithPaidOrders(node, 'm-track', 3, 'trk-');
  await node.node.ctx.db.query(`UPDATE orders SET buyer_id = 'b-track' WHERE id LIKE 'trk-%'`);
  const buyer = await devIdentity(node.url, { userId: 'b-track', name: 'Ann', role: 'viewer' });
  expect((await ship(node, merchant, 'trk-1')).status).toBe(200);
  // Seeded orders have no gateway charge to refund: the ledger's refunded total is set as a refund would (test/refunds
  // covers making refunds); this test is about what the page shows of it.
  await node.node.ctx.db.query(`UPDATE orders SET refunded_amount = amount WHERE id = 'trk-2'`);
  expect((await api(node.url, 'POST', '/api/orders/trk-3/refund-requests', buyer.token, { reason: 'Too small' })).status).toBe(201);

  for (const locale of ['en-US', 'zh-CN']) {
    const { page, errors } = await openPage(`${node.url}/orders`, { identity: buyer, viewport: PHONE, locale });
    const row = (id: string) => page.locator(`[data-order="${id}"]`);
    await row('trk-3').locator('[data-testid="order-refund-request"]:not([hidden])').waitFor();
    expect(await row('trk-1').getByTestId('order-tracking').textContent()).toContain('UPS');
    expect(await row('trk-1').getByTestId('order-tracking').textContent()).toContain('1Z999AA10123456784');
    expect(await row('trk-2').getByTestId('order-refunded').count()).toBe(1);
    expect(await row('trk-3').getByTestId('order-refund-request').isVisible()).toBe(true);
    for (const viewport of ISSUE_VIEWPORTS) {
      await page.setViewportSize(viewport);
      await expectNoOverflow(page, `orders ${viewport.width} ${locale}`);
      await expectTappable(page, `orders ${viewport.width} ${locale}`, 'main button:not([hidden]), main a.btn, [data-testid="nav-menu"]');
    }
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    await screenshot(page, `orders-tracking-${locale}`);
    expect(errors).toEqual([]);
    await page.close();
  }

  // 确认收货: the buyer confirms the shipped parcel (two taps); the row shows it completed, and so does the ledger.
  const { page, errors } = await openPage(`${node.url}/orders`, { identity: buyer, viewport: PHONE, locale: 'zh-CN' });
  const received = page.locator('[data-order="trk-1"] [data-testid="order-received"]');
  expect(await received.textContent()).toBe('确认收货');
  await received.click();
  await received.click();
  await page.locator('[data-order="trk-1"] [data-testid="order-tracking"][data-fulfilment="completed"]').waitFor();
  expect(await page.locator('[data-testid="order-received"]').count()).toBe(0);
  const { rows } = await node.node.ctx.db.query(`SELECT fulfilment_status FROM orders WHERE id = 'trk-1'`);
  expect(rows[0].fulfilment_status).toBe('completed');
  expect(errors).toEqual([]);
  await page.close();
}, 300_000);
