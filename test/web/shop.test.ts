import { expect, it } from 'vitest';
import type { Product, Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, poll, screenshot, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('the creator pins a product and launches a flash sale from the studio; a phone viewer sees both, buys, and sees the order paid', async () => {
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox));
  const creator = await devIdentity(node.url, { userId: 'c-shop', name: 'Mia Chen', role: 'creator', agencyId: 'ag-shop' });
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Scarf Friday' })).body;
  const product = await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/products`, creator.token, {
    title: 'Silk scarf',
    imageUrl: '/samples/scarf.svg',
    price: 2999,
    currency: 'USD',
    skus: [{ id: 'std', label: 'Standard', stock: 40 }],
  });
  expect(product.status).toBe(201);
  await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator.token);

  const viewer = await openPage(`${node.url}/room?id=${room.id}`, {
    identity: await devIdentity(node.url, { userId: 'v-shop', name: 'Ann', role: 'viewer' }),
    viewport: PHONE,
  });
  await viewer.page.getByTestId('chat-log').waitFor();
  expect(await viewer.page.getByTestId('pinned').isHidden()).toBe(true);

  const studio = await openPage(`${node.url}/studio?room=${room.id}`, { identity: creator });
  const row = studio.page.getByTestId('product').filter({ hasText: 'Silk scarf' });
  await row.getByTestId('pin').click();
  await poll(() => viewer.page.getByTestId('pinned-title').textContent()).toBe('Silk scarf');

  await studio.page.getByTestId('sale-product').selectOption(product.body.id);
  await studio.page.getByTestId('sale-price').fill('9.90');
  await studio.page.getByTestId('sale-quantity').fill('10');
  await studio.page.getByTestId('launch-sale').click();
  await poll(() => viewer.page.getByTestId('sale-stock').textContent()).toContain('10 of 10 left');
  expect(await viewer.page.getByTestId('sale').textContent()).toContain('$9.90');
  // The per-buyer limit is shown with the sale (the studio's default of 2), in the page's language.
  expect(await viewer.page.getByTestId('sale-buyer-limit').textContent()).toBe('Limit 2 per person');

  // Buying is never one tap: the sale opens the product with the sale's SKU chosen, then checkout confirms and pays.
  await viewer.page.getByTestId('buy-sale').click();
  await viewer.page.getByTestId('detail-buy').click();
  await viewer.page.getByTestId('checkout-pay').click();
  await poll(() => viewer.page.getByTestId('checkout-status').textContent()).toBe('Paid');
  await poll(() => viewer.page.getByTestId('sale-stock').textContent()).toContain('9 of 10 left');
  // The studio's counters follow: one order, paid.
  await poll(() => studio.page.getByTestId('count-orders').textContent()).toBe('1');
  await poll(() => studio.page.getByTestId('count-gmv').textContent()).toBe('$9.90');
  expect(sandbox.ledger()).toHaveLength(1);

  await viewer.page.getByTestId('checkout-done').click();

  // Likes: rapid taps go out batched and the creator's counter follows.
  for (let i = 0; i < 3; i++) await viewer.page.getByTestId('like').click();
  await poll(() => studio.page.getByTestId('count-likes').textContent()).toBe('3');
  await poll(() => viewer.page.getByTestId('likes').textContent()).toBe('3');

  await screenshot(viewer.page, 'room-phone-shop');
  await screenshot(studio.page, 'studio-shop');
  expect(viewer.errors).toEqual([]);
  expect(studio.errors).toEqual([]);
});
