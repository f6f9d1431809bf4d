import { expect, it } from 'vitest';
import type { OrderHistory, OrderList, PlaceOrderResult } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, simpleShopProduct } from '../channels/fixtures.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { deliver, type ErrorBody, fulfilmentBench, liveRoomOf, ship } from './fixtures.ts';

const t = useTeardown();

/**
 * A buyer's order history (issue 16, item 4): every order across rooms and channels (two live rooms of two creators,
 * and a shop's storefront), newest first and paged, each with its fulfilment and, with `timeline=true`, its payment
 * and fulfilment steps with who took them. Nobody else's orders appear; another buyer's order's history is NOT_FOUND.
 */
it("lists a buyer's orders across two rooms and a storefront, with their timelines, paged", async () => {
  const { node } = await fulfilmentBench(t);
  const r1 = await liveRoomOf(node, 'c1');
  const r2 = await liveRoomOf(node, 'c2');
  const { creator: shopOwner, shop } = await creatorWithShop(node); // c1's own creator shop
  const shopProduct = await simpleShopProduct(node, shopOwner, shop.id);

  const buyer = await tokenAs(node, 'hist-buyer', 'viewer');
  const socket = t.add(await connect(node.url, buyer));
  const ids: string[] = [];
  for (const [i, r] of [r1, r2].entries()) {
    ok(await call(socket, 'room:join', { roomId: r.room.id }));
    const placed = ok(
      await call(socket, 'order:place', {
        roomId: r.room.id,
        productId: r.product.id,
        skuId: 'std',
        quantity: 1,
        idempotencyKey: `hist-live-${i}`,
      }),
    ) as PlaceOrderResult;
    ids.push(placed.order.id);
  }
  const storefront = await api<PlaceOrderResult>(node.url, 'POST', '/api/orders', buyer, {
    productId: shopProduct.id,
    skuId: shopProduct.skus[0]!.id,
    quantity: 1,
    idempotencyKey: 'hist-store-1',
    channel: 'storefront',
  });
  expect(storefront.status).toBe(201);
  ids.push(storefront.body.order.id);
  const [live1, live2, store] = ids as [string, string, string];
  expect((await waitFinal(node, buyer, ids)).map((o) => o.status)).toEqual(['paid', 'paid', 'paid']);

  expect((await ship(node, r1.creator, live1)).status).toBe(200);
  expect((await deliver(node, r1.creator, live1)).status).toBe(200);
  expect((await ship(node, shopOwner, store, { carrier: 'La Poste', trackingNumber: '6A12345678901' })).status).toBe(200);

  const page1 = await api<OrderList>(node.url, 'GET', '/api/orders?timeline=true&limit=2', buyer);
  expect(page1.status).toBe(200);
  expect(page1.body.nextCursor).not.toBeNull();
  const page2 = await api<OrderList>(node.url, 'GET', `/api/orders?timeline=true&limit=2&cursor=${page1.body.nextCursor}`, buyer);
  expect(page2.body.nextCursor).toBeNull();
  const orders = [...page1.body.orders, ...page2.body.orders];
  expect(orders.map((o) => o.id)).toEqual([store, live2, live1]); // newest first
  expect(orders.map((o) => [o.channel, o.roomId, o.shopId ?? null])).toEqual([
    ['storefront', null, shop.id],
    ['live', r2.room.id, null],
    ['live', r1.room.id, null],
  ]);
  expect(orders.map((o) => o.fulfilment?.status)).toEqual(['shipped', 'unfulfilled', 'delivered']);
  expect(orders[0]!.fulfilment).toMatchObject({ carrier: 'La Poste', trackingNumber: '6A12345678901' });
  expect(orders.every((o) => o.refundedAmount === 0)).toBe(true);
  // Actors: the buyer placed it, the payment path (system:…) paid it, staff fulfilled it.
  const timeline = (i: number) => orders[i]!.timeline!.map((e) => [e.status, e.kind, e.actor.startsWith('system:') ? 'system' : e.actor]);
  expect(timeline(2).slice(-3)).toEqual([
    ['paid', 'payment', 'system'],
    ['shipped', 'fulfilment', 'c1'],
    ['delivered', 'fulfilment', 'c1'],
  ]);
  expect(timeline(1).at(-1)).toEqual(['paid', 'payment', 'system']);
  expect(timeline(1)[0]).toEqual(['reserved', 'payment', 'hist-buyer']);
  expect(timeline(0).at(-1)).toEqual(['shipped', 'fulfilment', 'c1']);

  // Without timeline=true the list is as before (plus the additive fulfilment), and the history answers the same steps.
  const plain = await api<OrderList>(node.url, 'GET', '/api/orders', buyer);
  expect(plain.body.orders.every((o) => o.timeline === undefined && o.fulfilment !== undefined)).toBe(true);
  const history = await api<OrderHistory>(node.url, 'GET', `/api/orders/${live1}/history`, buyer);
  expect(history.body.events).toEqual(orders[2]!.timeline);
  expect(history.body).toMatchObject({ refundedAmount: 0, fulfilment: { status: 'delivered', carrier: 'UPS' } });

  // Another buyer sees none of them, and not their histories.
  const other = await tokenAs(node, 'other-buyer', 'viewer');
  expect((await api<OrderList>(node.url, 'GET', '/api/orders?timeline=true', other)).body.orders).toEqual([]);
  const hidden = await api<ErrorBody>(node.url, 'GET', `/api/orders/${live1}/history`, other);
  expect([hidden.status, hidden.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const bad = await api<ErrorBody>(node.url, 'GET', '/api/orders?timeline=yes', buyer);
  expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_REQUEST']);
});
