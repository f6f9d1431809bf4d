import { expect, it } from 'vitest';
import type { PlaceOrderResult } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startCommerce, waitFinal } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorWithShop, poolOf, simpleShopProduct } from './fixtures.ts';

const t = useTeardown();

it("after Redis loses the deployment's data, every shop SKU's pool is seeded from PostgreSQL and its counters rebuilt from the ledger before orders resume", async () => {
  const { node, redis, sandbox } = await startCommerce(t);
  const { creator, shop } = await creatorWithShop(node);
  const sold = await simpleShopProduct(node, creator, shop.id, 10);
  const untouched = await simpleShopProduct(node, creator, shop.id, 7);
  const sku = sold.skus[0]!;
  expect((await api(node.url, 'POST', `/api/products/${sold.id}/stock`, creator, { skuId: sku.id, delta: 5 })).status).toBe(200);
  const buyer = await devToken(node.url, { userId: 'b1', name: 'b1', role: 'viewer' });
  const order = (key: string, quantity: number) =>
    api<PlaceOrderResult>(node.url, 'POST', '/api/orders', buyer, {
      productId: sold.id,
      skuId: sku.id,
      quantity,
      idempotencyKey: key,
      channel: 'search',
    });
  const placed = await order('rec-000001', 3);
  expect(placed.status).toBe(201);
  expect((await waitFinal(node, buyer, [placed.body.order.id]))[0]!.status).toBe('paid');

  // A second order is still being paid (a slow gateway) when the data goes: open, with no room.
  sandbox.update({ latencyMs: 2_000 });
  const open = await order('rec-000009', 2);
  expect(open.status).toBe(201);
  expect(open.body.order.roomId).toBeNull();

  // Every key of this deployment is gone (its own prefix on the shared test Redis).
  const keys: string[] = [];
  for (let cursor = '0'; ; ) {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${node.prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
    if (cursor === '0') break;
  }
  expect(keys.length).toBeGreaterThan(0);
  await redis.del(...keys);

  // Recovery notices (the fence is gone), seeds shop pools from the durable totals, rebuilds from the ledger.
  await waitFor('recovered', async () => (await redis.exists(`${node.prefix}ledger:ready`)) === 1, 30_000, 100);
  const rebuilt = await poolOf(redis, node, sold.id, sku.id);
  expect(rebuilt).toMatchObject({ left: 10, allocated: 0, total: 15 });
  expect(rebuilt.reserved + rebuilt.sold).toBe(5);
  // The open order without a room is back in Redis, and its payment completes.
  expect((await waitFinal(node, buyer, [open.body.order.id]))[0]!.status).toBe('paid');
  await waitFor('sold', async () => (await poolOf(redis, node, sold.id, sku.id)).sold === 5);
  expect(await poolOf(redis, node, sold.id, sku.id)).toEqual({ left: 10, reserved: 0, sold: 5, allocated: 0, total: 15 });
  sandbox.update({ latencyMs: 0 });
  expect(await poolOf(redis, node, untouched.id, untouched.skus[0]!.id)).toEqual({ left: 7, reserved: 0, sold: 0, allocated: 0, total: 7 });
  // The buyer's retry of the same key is the same order; a new one sells from the rebuilt pool.
  const replay = await order('rec-000001', 3);
  expect(replay.body).toMatchObject({ replayed: true, order: { id: placed.body.order.id } });
  expect((await order('rec-000002', 10)).status).toBe(201);
  expect((await order('rec-000003', 1)).status).toBe(409);
});
