import { expect, it } from 'vitest';
import type { MerchantAuditPage, PlaceOrderResult } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, refund, refundsOf } from './fixtures.ts';

const t = useTeardown();

/**
 * An order of a room's own product (no shop) is refunded by those who manage the room: its creator and its agency's
 * owner, not its agency's moderators or another creator. Restock needs a shop SKU (BAD_REQUEST). The audit entries
 * go to the room's trail, read with `roomId`.
 */
it("a room's own product: the room's managers refund it, and its audit trail is the room's", async () => {
  const { node, sandbox } = await startCommerce(t);
  const { creator, room, product } = await liveRoomWithProduct(node, { price: 1_000 });
  const v = await joinedViewer(t, node, room.id, { userId: 'v-room' });
  const placed = ok(
    await call(v.socket, 'order:place', {
      roomId: room.id,
      productId: product.id,
      skuId: 'std',
      quantity: 2,
      idempotencyKey: 'room-order-1',
    }),
  ) as PlaceOrderResult;
  const [paid] = await waitFinal(node, v.token, [placed.order.id]);
  expect(paid!.status).toBe('paid');

  const moderator = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });
  const otherCreator = await devToken(node.url, { userId: 'c9', name: 'c9', role: 'creator', agencyId: 'ag1' });
  for (const who of [moderator, otherCreator]) {
    const res = await refund(node, who, paid!.id, { idempotencyKey: 'nope', reason: 'x', full: true });
    expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
  }
  const restock = await refund(node, creator, paid!.id, { idempotencyKey: 'rs', reason: 'x', quantity: 1, restock: true });
  expect([restock.status, restock.body.error.code]).toEqual([400, 'BAD_REQUEST']);

  const byCreator = await refund(node, creator, paid!.id, { idempotencyKey: 'room-1', reason: 'scratched', quantity: 1 });
  expect(byCreator.body.refund).toMatchObject({ status: 'succeeded', amount: 1_000 });
  const agencyOwner = await devToken(node.url, { userId: 'owner1', name: 'owner1', role: 'agency', agencyId: 'ag1' });
  const byOwner = await refund(node, agencyOwner, paid!.id, { idempotencyKey: 'room-2', reason: 'goodwill', amount: 300 });
  expect(byOwner.body.refund).toMatchObject({ status: 'succeeded', amount: 300 });
  expect(await refundsOf(node, v.token, paid!.id)).toMatchObject({ refundedAmount: 1_300, refundedQuantity: 1 });
  expect(sandbox.refunds()).toHaveLength(2);

  const audit = await api<MerchantAuditPage & ErrorBody>(
    node.url,
    'GET',
    `/api/merchant-audit?roomId=${room.id}&action=refund.requested`,
    creator,
  );
  expect(audit.body.entries.map((e) => [e.scope, e.scopeId, e.actor])).toEqual([
    ['room', room.id, 'owner1'],
    ['room', room.id, 'c1'],
  ]);
  const byModerator = await api<ErrorBody>(node.url, 'GET', `/api/merchant-audit?roomId=${room.id}`, moderator);
  expect(byModerator.status).toBe(403);
});
