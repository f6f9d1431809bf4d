import { expect, it } from 'vitest';
import type { Product, Room, ShopProduct } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { createEndpoint, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('a scheduled and then started live is announced once each to the agency and to the shops whose products it sells, signed, and to no other shop', async () => {
  const node = t.add(await webhookNode());
  const agencyHooks = t.add(await startReceiver());
  const shopHooks = t.add(await startReceiver());
  const otherHooks = t.add(await startReceiver());

  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  // The live sells a product of the creator's own shop, selected into the room after it was scheduled.
  const shop = await api<{ id: string }>(node.url, 'POST', '/api/shops', creator, { name: 'Mia Picks', currency: 'USD' });
  const shopProduct = await api<ShopProduct>(node.url, 'POST', `/api/shops/${shop.body.id}/products`, creator, {
    title: 'Silk scarf',
    images: ['/samples/scarf.svg'],
    category: 'apparel.scarves',
    skus: [{ values: [], code: 'SC-1', price: 2_999, stock: 20 }],
  });
  expect(shopProduct.status).toBe(201);
  const owner = await devToken(node.url, { userId: 'a1', name: 'a1', role: 'agency', agencyId: 'ag1' });
  agencyHooks.secret = (
    await createEndpoint(node, owner, { agencyId: 'ag1', url: agencyHooks.url, events: ['live.scheduled', 'live.started', 'order.paid'] })
  ).secret;
  shopHooks.secret = (await createEndpoint(node, creator, { shopId: shop.body.id, url: shopHooks.url, events: ['live.started'] })).secret;
  const merchant = await devToken(node.url, { userId: 'm-other', name: 'Other', role: 'merchant' });
  const other = await api<{ id: string }>(node.url, 'POST', '/api/shops', merchant, { name: 'Other shop', currency: 'USD' });
  expect(other.status).toBe(201);
  otherHooks.secret = (
    await createEndpoint(node, merchant, { shopId: other.body.id, url: otherHooks.url, events: ['live.started'] })
  ).secret;

  const scheduledAt = Date.now() + 3_600_000;
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: 'Scarf Friday', scheduledAt })).body;
  const product = (await api<Product>(node.url, 'POST', `/api/rooms/${room.id}/selection`, creator, { productId: shopProduct.body.id }))
    .body;
  expect(product.shopId).toBe(shop.body.id);
  await waitFor('the scheduled live announced', () => (agencyHooks.received.length >= 1 ? true : null));
  expect((await api<Room>(node.url, 'POST', `/api/rooms/${room.id}/live`, creator)).status).toBe(200);
  await waitFor('the started live announced', () => (agencyHooks.received.length >= 2 && shopHooks.received.length >= 1 ? true : null));

  expect(agencyHooks.received.map((r) => [r.json.type, r.verified])).toEqual([
    ['live.scheduled', true],
    ['live.started', true],
  ]);
  const started = shopHooks.received.map((r) => r.json);
  expect(shopHooks.received.every((r) => r.verified)).toBe(true);
  expect(started).toEqual([
    {
      id: `evt_l${room.id}.started`,
      type: 'live.started',
      createdAt: expect.any(Number),
      data: {
        live: {
          roomId: room.id,
          title: room.title,
          creatorId: 'c1',
          creatorName: 'Creator',
          agencyId: 'ag1',
          scheduledAt,
          path: `/room?id=${room.id}`,
          shopIds: [product.shopId],
        },
      },
    },
  ]);
  expect((agencyHooks.received[0]!.json.data as unknown as { live: { scheduledAt: number } }).live.scheduledAt).toBe(scheduledAt);

  // Announced once: the same live announced again (another node, a retried hook) adds nothing.
  const again = await node.node.ctx.db.query(
    `INSERT INTO webhook_outbox (event_id, type, data) VALUES ($1, 'live.started', '{}') ON CONFLICT (event_id) DO NOTHING`,
    [`evt_l${room.id}.started`],
  );
  expect(again.rowCount).toBe(0);
  const outbox = await node.node.ctx.db.query(`SELECT type, shop_ids, agency_id FROM webhook_outbox WHERE order_id IS NULL ORDER BY id`);
  expect(outbox.rows).toEqual([
    // Scheduled before any product was selected: only the agency could hear of it.
    { type: 'live.scheduled', shop_ids: [], agency_id: 'ag1' },
    { type: 'live.started', shop_ids: [product.shopId], agency_id: 'ag1' },
  ]);
  // A shop the live does not sell heard nothing (its endpoint is subscribed to live.started).
  expect(otherHooks.received).toEqual([]);
});
