import { expect, it } from 'vitest';
import { MAX_SKU_STOCK } from '@hawker/protocol';
import type { Product } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { inspector, liveRoomWithProduct, scheduleSale, skuCounts } from '../../harness/commerce.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

type ErrorBody = { error: { code: string; message: string } };

it('restocks fill a SKU up to exactly MAX_SKU_STOCK units in total and no further; refusals change nothing', async () => {
  expect(MAX_SKU_STOCK).toBe(1_000_000);
  const node = t.add(await startNode());
  const redis = t.add(inspector());
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 100 });
  const base = `/api/rooms/${room.id}/products`;
  const stock = (delta: number) =>
    api<Product & ErrorBody>(node.url, 'POST', `${base}/${product.id}/stock`, creator, { skuId: 'std', delta });
  const counts = () => skuCounts(redis, node.prefix, product.id);

  // Units out on a flash sale still count toward the cap: it bounds total, not left.
  const sale = await scheduleSale(node, creator, room.id, product.id, { startsAt: Date.now() + 60_000, quantity: 10 });
  expect(await counts()).toEqual({ left: 90, reserved: 0, sold: 0, allocated: 10, total: 100 });

  // Up to exactly the cap.
  const full = await stock(MAX_SKU_STOCK - 100);
  expect(full.status).toBe(200);
  expect(full.body.skus[0]).toMatchObject({ left: MAX_SKU_STOCK - 10, allocated: 10, total: MAX_SKU_STOCK });

  // One more unit: a typed CONFLICT naming the limit and the room left, and the counters do not move.
  const over = await stock(1);
  expect(over.status).toBe(409);
  expect(over.body.error.code).toBe('CONFLICT');
  expect(over.body.error.message).toContain(String(MAX_SKU_STOCK));
  expect(over.body.error.message).toContain('0 more');
  expect(await counts()).toEqual({ left: MAX_SKU_STOCK - 10, reserved: 0, sold: 0, allocated: 10, total: MAX_SKU_STOCK });

  // Withdrawals still work at the cap; then the message says how many more units fit.
  const withdrawn = await stock(-5);
  expect(withdrawn.status).toBe(200);
  expect(withdrawn.body.skus[0]).toMatchObject({ left: MAX_SKU_STOCK - 15, total: MAX_SKU_STOCK - 5 });
  const tooMany = await stock(6);
  expect(tooMany.status).toBe(409);
  expect(tooMany.body.error.message).toContain(String(MAX_SKU_STOCK));
  expect(tooMany.body.error.message).toContain('5 more');
  expect(await counts()).toEqual({ left: MAX_SKU_STOCK - 15, reserved: 0, sold: 0, allocated: 10, total: MAX_SKU_STOCK - 5 });
  expect((await stock(5)).body.skus[0]).toMatchObject({ total: MAX_SKU_STOCK });

  // The request body itself refuses a delta beyond the cap (either way), before touching Redis.
  for (const delta of [MAX_SKU_STOCK + 1, -(MAX_SKU_STOCK + 1)]) {
    const res = await stock(delta);
    expect(res.status, String(delta)).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  }
  expect(await counts()).toMatchObject({ left: MAX_SKU_STOCK - 10, total: MAX_SKU_STOCK });

  // Ending the sale gives its units back to left: total, and so the cap, hold.
  expect((await api(node.url, 'POST', `/api/rooms/${room.id}/sales/${sale.id}/end`, creator)).status).toBe(200);
  expect(await counts()).toEqual({ left: MAX_SKU_STOCK, reserved: 0, sold: 0, allocated: 0, total: MAX_SKU_STOCK });
  expect((await stock(1)).status).toBe(409);

  // Creation: exactly the cap is accepted, one more unit is a 400 that creates nothing.
  const body = (stockCount: number) => ({
    title: 'Bulk socks',
    imageUrl: 'https://img.example.com/socks.jpg',
    price: 199,
    currency: 'USD',
    skus: [{ id: 'one', label: 'One size', stock: stockCount }],
  });
  const before = (await api<{ products: Product[] }>(node.url, 'GET', base, creator)).body.products.length;
  const atCap = await api<Product>(node.url, 'POST', base, creator, body(MAX_SKU_STOCK));
  expect(atCap.status).toBe(201);
  expect(atCap.body.skus[0]).toMatchObject({ left: MAX_SKU_STOCK, total: MAX_SKU_STOCK });
  const aboveCap = await api<ErrorBody>(node.url, 'POST', base, creator, body(MAX_SKU_STOCK + 1));
  expect(aboveCap.status).toBe(400);
  expect(aboveCap.body.error.code).toBe('BAD_REQUEST');
  expect((await api<{ products: Product[] }>(node.url, 'GET', base, creator)).body.products).toHaveLength(before + 1);
});
