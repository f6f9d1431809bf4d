import { expect, it } from 'vitest';
import type { FlashSale, PlaceOrderResult } from '@hawker/protocol';
import { api, call, devToken, next, ok } from '../../harness/clients.ts';
import {
  inspector,
  joinedViewer,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  skuCounts,
  startCommerce,
  startCommerceNode,
  waitFinal,
} from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a scheduled sale counts down on server time, starts, sells at the sale price, ends on time and returns unsold units', async () => {
  const { node, redis } = await startCommerce(t);
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 30 });
  const v1 = await joinedViewer(t, node, room.id, { userId: 'v1' });

  const announced = next(v1.socket, 'sale:scheduled');
  const startsAt = Date.now() + 1_500;
  const sale = await scheduleSale(node, creator, room.id, product.id, {
    startsAt,
    durationMs: 5_000,
    quantity: 12,
    salePrice: 500,
    perBuyerLimit: 3,
  });
  expect(sale).toMatchObject({
    state: 'scheduled',
    startsAt,
    endsAt: startsAt + 5_000,
    quantity: 12,
    left: 12,
    salePrice: 500,
    listPrice: 1999,
  });
  expect(await announced).toEqual(sale);
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 18, reserved: 0, sold: 0, allocated: 12, total: 30 });

  // A viewer joining now sees the upcoming sale and the server's clock to count down from.
  const v2 = await joinedViewer(t, node, room.id, { userId: 'v2' });
  expect(v2.snapshot.flashSale).toMatchObject({ id: sale.id, state: 'scheduled' });
  expect(v2.snapshot.flashSale!.startsAt - v2.snapshot.serverTime).toBeGreaterThan(0);

  const early = await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'too-early-1' });
  expect(early).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'NOT_STARTED', startsAt } } });

  const started = await next(v1.socket, 'sale:started', 10_000);
  expect(started).toMatchObject({ id: sale.id, state: 'live' });
  const placed = ok(
    await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 3, idempotencyKey: 'on-time-1' }),
  ) as PlaceOrderResult;
  expect(placed.order).toMatchObject({ unitPrice: 500, amount: 1500 });
  expect((await waitFinal(node, creator, [placed.order.id]))[0]!.status).toBe('paid');

  const ended = await next(v1.socket, 'sale:ended', 10_000);
  expect(ended).toEqual({ roomId: room.id, saleId: sale.id, reason: 'time is up', sold: 3 });
  const late = await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'too-late-1' });
  expect(late).toMatchObject({ ok: false, error: { details: { reason: 'ENDED' } } });

  // The 9 unsold units went back to the SKU, the 3 sold count as sold on the SKU too; both invariants hold.
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 0, reserved: 0, sold: 3, returned: 9, quantity: 12 });
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 27, reserved: 0, sold: 3, allocated: 0, total: 30 });
  const listed = await api<{ sales: FlashSale[] }>(node.url, 'GET', `/api/rooms/${room.id}/sales`, v1.token);
  expect(listed.body.sales).toMatchObject([{ id: sale.id, state: 'ended', sold: 3, returned: 9, endedReason: 'time is up' }]);
});

it('scheduling is validated: managers only, no overlap, never more than the SKU has; hosts can end or cancel early', async () => {
  const node = t.add(await startCommerceNode(null));
  const redis = t.add(inspector());
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 10 });
  const base = `/api/rooms/${room.id}/sales`;
  const body = { productId: product.id, skuId: 'std', durationMs: 60_000, salePrice: 900, quantity: 4, perBuyerLimit: 1 };
  const viewer = await devToken(node.url, { userId: 'v1', name: 'V', role: 'viewer' });
  expect((await api(node.url, 'POST', base, viewer, body)).status).toBe(403);
  for (const bad of [
    { ...body, durationMs: 1_000 },
    { ...body, perBuyerLimit: 0 },
    { ...body, salePrice: 0 },
    { ...body, quantity: -4 },
    { ...body, quantity: 1.5 },
    { ...body, price: 1 },
    { ...body, startsAt: -1 },
  ]) {
    expect((await api(node.url, 'POST', base, creator, bad)).status, JSON.stringify(bad)).toBe(400);
  }
  expect((await api(node.url, 'POST', base, creator, { ...body, skuId: 'XL' })).status).toBe(404);
  expect((await api(node.url, 'POST', base, creator, { ...body, productId: 'nosuchproduct' })).status).toBe(404);
  expect((await api(node.url, 'POST', base, creator, { ...body, quantity: 11 })).status).toBe(409);

  const now = await scheduleSale(node, creator, room.id, product.id, body);
  const overlap = await api<{ error: { message: string } }>(node.url, 'POST', base, creator, { ...body, startsAt: Date.now() + 30_000 });
  expect(overlap.status).toBe(409);
  const later = await scheduleSale(node, creator, room.id, product.id, { ...body, startsAt: Date.now() + 120_000 });
  // 4 + 4 allocated: only 2 left for another sale.
  expect((await api(node.url, 'POST', base, creator, { ...body, quantity: 3, startsAt: Date.now() + 300_000 })).status).toBe(409);
  expect(await skuCounts(redis, node.prefix, product.id)).toMatchObject({ left: 2, allocated: 8, total: 10 });

  expect((await api<FlashSale>(node.url, 'POST', `${base}/${now.id}/end`, creator)).body).toMatchObject({
    state: 'ended',
    endedReason: 'ended by the host',
    returned: 4,
  });
  expect((await api(node.url, 'POST', `${base}/${now.id}/end`, creator)).status).toBe(409);
  expect((await api<FlashSale>(node.url, 'POST', `${base}/${later.id}/end`, creator)).body).toMatchObject({
    state: 'ended',
    endedReason: 'cancelled by the host',
  });
  expect((await api(node.url, 'POST', `${base}/${later.id}/end`, viewer)).status).toBe(403);
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 10, reserved: 0, sold: 0, allocated: 0, total: 10 });
  expect((await api(node.url, 'GET', `${base}/nosuchsale`, viewer)).status).toBe(404);
});
