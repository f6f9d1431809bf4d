import { expect, it } from 'vitest';
import type { PlaceOrderResult } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { inspector, joinedViewer, liveRoomWithProduct, skuCounts, startCommerceNode } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a room that has not gone live refuses orders with NOT_STARTED and its start time, changing nothing; once live it sells', async () => {
  const node = t.add(await startCommerceNode(null));
  const redis = t.add(inspector());
  const scheduledAt = Date.now() + 3_600_000;
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 5, live: false, scheduledAt });
  const v = await joinedViewer(t, node, room.id, { userId: 'early-bird' });
  const order = { roomId: room.id, productId: product.id, skuId: 'std', quantity: 1, idempotencyKey: 'early-0001' };

  const early = await call(v.socket, 'order:place', order);
  expect(early).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'NOT_STARTED', startsAt: scheduledAt } } });
  expect(await skuCounts(redis, node.prefix, product.id)).toEqual({ left: 5, reserved: 0, sold: 0, allocated: 0, total: 5 });
  // The refusal recorded nothing under the key: the same key works once the room is live.
  expect((await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator)).status).toBe(200);
  const placed = ok(await call(v.socket, 'order:place', order)) as PlaceOrderResult;
  expect(placed).toMatchObject({ replayed: false, order: { status: 'reserved', quantity: 1 } });
  expect(await skuCounts(redis, node.prefix, product.id)).toMatchObject({ left: 4, reserved: 1 });
});
