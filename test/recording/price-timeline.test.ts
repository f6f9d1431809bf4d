import { expect, it } from 'vitest';
import type { Product, ProductPriceChanged, RecordingTimeline, ShopProduct } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { liveRoomWithProduct } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { recordingNode, recordingOf } from './helpers.ts';

const t = useTeardown();

it("a price change while the room records is pushed to the room (product:price) and kept on the recording's timeline: a room product's price and a shop SKU's", async () => {
  const { node } = await recordingNode(t);
  const { creator, room, product: scarf } = await liveRoomWithProduct(node, { price: 1999 });
  // A shop product of the creator's own shop, selected into the room.
  const shop = await api<{ id: string }>(node.url, 'POST', '/api/shops', creator, { name: 'Mia Picks', currency: 'USD' });
  const tea = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.body.id}/products`, creator, {
    title: 'Puer tea',
    images: ['https://img.example.com/puer.jpg'],
    category: 'food.tea',
    skus: [{ values: [], code: 'PUER-1', price: 9_000, stock: 30 }],
  });
  expect(tea.status).toBe(201);
  const skuId = tea.body.skus[0]!.id;
  expect((await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/selection`, creator, { productId: tea.body.id })).status).toBe(201);

  // The room records (its recording row in progress; no media is needed for the timeline).
  const rec = await recordingOf(node).store.start({
    id: 'priceRec1',
    roomId: room.id,
    creatorId: 'c1',
    agencyId: 'ag1',
    startedAt: Date.now(),
  });
  expect(rec).not.toBeNull();
  const viewer = t.add(await connect(node.url, creator));
  ok(await call(viewer, 'room:join', { roomId: room.id }));
  const pushes: ProductPriceChanged[] = [];
  viewer.on('product:price', (p) => pushes.push(p));

  const before = Date.now();
  expect((await api(node.url, 'PATCH', `/api/rooms/${room.id}/products/${scarf.id}`, creator, { price: 1499 })).status).toBe(200);
  // A change that is not a price is not a price change.
  expect((await api(node.url, 'PATCH', `/api/rooms/${room.id}/products/${scarf.id}`, creator, { title: 'Silk scarf, red' })).status).toBe(
    200,
  );
  expect((await api(node.url, 'PATCH', `/api/products/${tea.body.id}`, creator, { skus: [{ id: skuId, price: 7_500 }] })).status).toBe(200);
  expect((await api(node.url, 'PATCH', `/api/products/${tea.body.id}`, creator, { skus: [{ id: skuId, code: 'PUER-2' }] })).status).toBe(
    200,
  );

  await waitFor('both pushes', () => pushes.length >= 2, 10_000);
  expect(pushes).toEqual([
    { roomId: room.id, productId: scarf.id, changes: [{ skuId: null, price: 1499, previousPrice: 1999 }], at: expect.any(Number) },
    { roomId: room.id, productId: tea.body.id, changes: [{ skuId, price: 7_500, previousPrice: 9_000 }], at: expect.any(Number) },
  ]);
  const entries = await waitFor('both on the timeline', async () => {
    const tl = await api<RecordingTimeline>(node.url, 'GET', `/api/recordings/${rec!.id}/timeline`, creator);
    const prices = tl.body.entries.filter((e) => e.kind === 'price_change');
    return prices.length >= 2 ? prices : undefined;
  });
  expect(entries.map((e) => [e.productId, e.data.changes])).toEqual([
    [scarf.id, [{ skuId: null, price: 1499, previousPrice: 1999 }]],
    [tea.body.id, [{ skuId, price: 7_500, previousPrice: 9_000 }]],
  ]);
  for (const e of entries) {
    expect(e.at).toBeGreaterThanOrEqual(before - 1000);
    expect(e.offsetMs).toBeLessThan(Date.now() - rec!.startedAt + 1000);
  }
  expect(pushes).toHaveLength(2);
}, 60_000);
