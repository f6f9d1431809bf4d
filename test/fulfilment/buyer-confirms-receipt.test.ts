import { expect, it } from 'vitest';
import { HawkerApi, HawkerError } from '@hawker/client-sdk';
import type { Order, OrderHistory, OrderUpdated } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, deliver, fulfilmentBench, ledgerState, paidRoomOrder, ship } from './fixtures.ts';

const t = useTeardown();

const confirm = (url: string, token: string, orderId: string, body?: unknown) =>
  api<Order & ErrorBody>(url, 'POST', `/api/orders/${orderId}/confirm-receipt`, token, body);

/**
 * 确认收货: the buyer of a shipped order confirms receipt and it completes at once (no waiting for
 * ORDER_AUTO_COMPLETE_MS), the delivery recorded too, both by the buyer, pushed to their socket; only the buyer may,
 * once; what cannot be received is a typed CONFLICT that changes nothing.
 */
it('the buyer confirms receipt of a shipped order: completed at once, by the buyer, once; others refused and nothing changed', async () => {
  const { node } = await fulfilmentBench(t); // auto-completion a day after delivery: only the buyer completes it here
  const { creator, buyer, orderId, updates } = await paidRoomOrder(t, node);

  // Not shipped yet: nothing to receive.
  const early = await confirm(node.url, buyer.token, orderId);
  expect([early.status, early.body.error?.code]).toEqual([409, 'CONFLICT']);
  expect(early.body.error?.message).toContain('not shipped yet');

  expect((await ship(node, creator, orderId)).status).toBe(200);
  const before = await ledgerState(node, orderId);
  // The seller's staff cannot confirm for the buyer (403); a stranger does not learn the order exists (404); a body
  // with fields is refused (400). None changes anything.
  const stranger = await devToken(node.url, { userId: 'someone', name: 'someone', role: 'viewer' });
  for (const [who, token, body, status, code] of [
    ['the seller', creator, undefined, 403, 'FORBIDDEN'],
    ['a stranger', stranger, undefined, 404, 'NOT_FOUND'],
    ['extra fields', buyer.token, { rating: 5 }, 400, 'BAD_REQUEST'],
  ] as const) {
    const res = await confirm(node.url, token, orderId, body);
    expect([who, res.status, res.body.error?.code]).toEqual([who, status, code]);
  }
  expect(await ledgerState(node, orderId)).toEqual(before);

  // The buyer confirms (through the SDK): completed now, delivery recorded on the way, both by the buyer.
  const sdk = new HawkerApi(node.url, buyer.token);
  const done = await sdk.confirmReceipt(orderId);
  expect(done.fulfilment).toMatchObject({ status: 'completed' });
  expect(done.fulfilment!.deliveredAt).toEqual(expect.any(Number));
  await waitFor('the completion pushed', () =>
    updates.find((u): u is OrderUpdated => u.orderId === orderId && u.fulfilment?.status === 'completed'),
  );
  const history = await api<OrderHistory>(node.url, 'GET', `/api/orders/${orderId}/history`, buyer.token);
  expect(history.body.events.map((e) => [e.status, e.actor]).slice(-3)).toEqual([
    ['shipped', 'c1'],
    ['delivered', 'buyer1'],
    ['completed', 'buyer1'],
  ]);
  // The delivery still goes out as a webhook row (migration 0006's trigger), exactly once.
  const after = await ledgerState(node, orderId);
  expect(after.order.fulfilment_status).toBe('completed');
  expect(after.outbox.filter((type) => type === 'order.shipped' || type === 'order.delivered')).toEqual([
    'order.shipped',
    'order.delivered',
  ]);

  // Again (a retried tap): the order unchanged, no second history row.
  const again = await confirm(node.url, buyer.token, orderId, {});
  expect(again.status).toBe(200);
  expect(again.body.fulfilment?.completedAt).toBe(done.fulfilment!.completedAt);
  expect((await ledgerState(node, orderId)).events).toEqual(after.events);
  // Staff cannot move a completed order back.
  expect((await deliver(node, creator, orderId)).status).toBe(409);

  // Bad ids are typed, and the SDK's errors carry the code.
  expect((await confirm(node.url, buyer.token, 'bad%20id')).status).toBe(400);
  await expect(sdk.confirmReceipt('nosuchorder')).rejects.toSatisfy((e: unknown) => e instanceof HawkerError && e.code === 'NOT_FOUND');
});
