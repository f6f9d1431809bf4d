import { expect, it } from 'vitest';
import type { FlashSale, Product, Room } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { startCommerceNode, startSandbox } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { devIdentity, PHONE, poll, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('the viewer page says clearly when the sale is sold out, when you are muted, and when the connection is lost', async () => {
  const sandbox = t.add(await startSandbox());
  const node = t.add(await startCommerceNode(sandbox));
  const creator = await devIdentity(node.url, { userId: 'c-err', name: 'Mia Chen', role: 'creator', agencyId: 'ag-err' });
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator.token, { title: 'Last one' })).body;
  const product = (
    await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/products`, creator.token, {
      title: 'Rare vinyl',
      imageUrl: '/samples/headphones.svg',
      price: 4000,
      currency: 'USD',
      skus: [{ id: 'std', label: 'Standard', stock: 5 }],
    })
  ).body;
  await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator.token);
  const sale = await api<FlashSale>(node.url, 'POST', `/api/rooms/${room.id}/sales`, creator.token, {
    productId: product.id,
    skuId: 'std',
    durationMs: 120_000,
    salePrice: 1000,
    quantity: 1,
    perBuyerLimit: 1,
  });
  expect(sale.status).toBe(201);

  const viewerIdentity = await devIdentity(node.url, { userId: 'v-err', name: 'Bo', role: 'viewer' });
  const viewer = await openPage(`${node.url}/room?id=${room.id}`, { identity: viewerIdentity, viewport: PHONE });
  await poll(() => viewer.page.getByTestId('buy-sale').textContent()).toContain('Buy now');

  // Someone else takes the only unit: the page shows the sale sold out and will not let you try.
  const rival = t.add(await connect(node.url, (await devIdentity(node.url, { userId: 'v-rival', name: 'Cy', role: 'viewer' })).token));
  ok(await call(rival, 'room:join', { roomId: room.id }));
  ok(await call(rival, 'order:place', { roomId: room.id, saleId: sale.body.id, quantity: 1, idempotencyKey: 'rival-key-1' }));
  await poll(() => viewer.page.getByTestId('buy-sale').textContent()).toContain('Sold out');
  expect(await viewer.page.getByTestId('buy-sale').isDisabled()).toBe(true);
  expect(await viewer.page.getByTestId('sale-stock').textContent()).toContain('sold out');

  // A moderator mutes the viewer: the chat box says so and is disabled.
  const mod = t.add(await connect(node.url, creator.token));
  ok(await call(mod, 'mod:mute', { roomId: room.id, userId: 'v-err', durationS: 600, reason: 'Spam' }));
  await poll(() => viewer.page.getByTestId('chat-note').textContent()).toContain('You are muted in this chat until');
  expect(await viewer.page.getByTestId('chat-input').isDisabled()).toBe(true);

  // The server goes away: the page says it is not connected and is reconnecting.
  await node.close();
  await viewer.page.getByTestId('connection-banner').waitFor();
  expect(await viewer.page.getByTestId('connection-banner').textContent()).toContain('Not connected: reconnecting');
  expect(viewer.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|socket\.io/.test(e))).toEqual([]);
});
