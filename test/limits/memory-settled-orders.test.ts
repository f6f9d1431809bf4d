import { expect, it } from 'vitest';
import type { PlaceOrderResult } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { inspector, joinedViewer, liveRoomWithProduct, startCommerce, startCommerceNode, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { SETTLED_ORDER_TTL_MS } from '../../server/orders/store.ts';

const t = useTeardown();
const DAY_MS = 24 * 3600_000;

it("an order's Redis copy stays while it is open and expires a week after it settles; a replay after that is answered from the ledger", async () => {
  // No gateway: nothing pays, so the order stays reserved until the buyer cancels it.
  const node = t.add(await startCommerceNode(null));
  const redis = t.add(inspector());
  const { room, product } = await liveRoomWithProduct(node);
  const v = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const place = { roomId: room.id, productId: product.id, skuId: 'std', quantity: 1, idempotencyKey: 'settle-then-replay' };
  const placed = ok(await call(v.socket, 'order:place', place)) as PlaceOrderResult;
  const key = `${node.prefix}order:${placed.order.id}`;
  expect(await redis.pttl(key)).toBe(-1); // open: kept, whatever happens to the stock or the payment

  ok(await call(v.socket, 'order:cancel', { orderId: placed.order.id }));
  const ttl = await redis.pttl(key);
  expect(SETTLED_ORDER_TTL_MS).toBe(7 * DAY_MS);
  expect(ttl).toBeGreaterThan(SETTLED_ORDER_TTL_MS - 60_000);
  expect(ttl).toBeLessThanOrEqual(SETTLED_ORDER_TTL_MS);

  // The copy gone (as it will be a week later): the same request still gets its order, from the ledger.
  await redis.del(key);
  const replay = ok(await call(v.socket, 'order:place', place)) as PlaceOrderResult;
  expect(replay).toMatchObject({ replayed: true, order: { id: placed.order.id, status: 'cancelled' } });
});

it('a paid order gets the same expiry once the payment is mirrored', async () => {
  const { node, redis } = await startCommerce(t);
  const { room, product } = await liveRoomWithProduct(node);
  const v = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const placed = ok(
    await call(v.socket, 'order:place', { roomId: room.id, productId: product.id, skuId: 'std', quantity: 1, idempotencyKey: 'paid-one' }),
  ) as PlaceOrderResult;
  const [final] = await waitFinal(node, v.token, [placed.order.id]);
  expect(final!.status).toBe('paid');
  // waitFinal reads the ledger; the Redis mirror follows it within the same payment job.
  const key = `${node.prefix}order:${placed.order.id}`;
  await expect.poll(() => redis.hget(key, 'status')).toBe('paid');
  expect(await redis.pttl(key)).toBeGreaterThan(SETTLED_ORDER_TTL_MS - 60_000);
});
