import { expect, it } from 'vitest';
import type { ApprovedRefundRequest, RefundRequest, RefundRequestList, RefundRequestPage } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { skuCounts } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, moneySnapshot, paidOrder, PRICE, refundBench, refundsOf } from './fixtures.ts';

const t = useTeardown();

/**
 * A buyer asks for part of a paid order back; the shop's owner approves (the refund is made through the gateway, with
 * restock) or rejects with a reason. One open request per order; a decided request cannot be decided again; the
 * shop's staff read requests but do not decide them; outside the window after payment, and past the open-request limit
 * (REFUND_REQUESTS_OPEN_PER_BUYER), requests are refused and nothing changes.
 */
it('buyer refund requests: approve makes the refund, reject keeps the money, the window and limits hold', async () => {
  const { node, redis, sandbox, merchant, staff, shop, product, buyer } = await refundBench(t, {
    stock: 20,
    env: { REFUND_REQUESTS_OPEN_PER_BUYER: '2' },
  });
  const skuId = product.skus[0]!.id;
  const order = await paidOrder(node, buyer, product, 3, 'req-1');
  const ask = (orderId: string, body: unknown, who = buyer) =>
    api<RefundRequest & ErrorBody>(node.url, 'POST', `/api/orders/${orderId}/refund-requests`, who, body);

  const req = await ask(order.id, { reason: 'one arrived crushed', quantity: 1 });
  expect(req.status).toBe(201);
  expect(req.body).toMatchObject({ status: 'open', quantity: 1, buyerId: 'b1' });
  const second = await ask(order.id, { reason: 'and another' });
  expect([second.status, second.body.error.details]).toEqual([409, { reason: 'REQUEST_OPEN' }]);

  // Staff read the requests but may not decide them.
  const listed = await api<RefundRequestList>(node.url, 'GET', `/api/orders/${order.id}/refund-requests`, staff);
  expect(listed.body.requests.map((r) => r.id)).toEqual([req.body.id]);
  const open = await api<RefundRequestPage>(node.url, 'GET', `/api/shops/${shop.id}/refund-requests?status=open`, staff);
  expect(open.body).toEqual({ requests: [expect.objectContaining({ id: req.body.id, status: 'open' })], nextCursor: null });
  const byStaff = await api<ErrorBody>(node.url, 'POST', `/api/refund-requests/${req.body.id}/approve`, staff, {});
  expect(byStaff.status).toBe(403);

  const approved = await api<ApprovedRefundRequest>(node.url, 'POST', `/api/refund-requests/${req.body.id}/approve`, merchant, {
    restock: true,
  });
  expect(approved.status).toBe(200);
  expect(approved.body.request).toMatchObject({ status: 'approved', decidedBy: 'm1', refundId: approved.body.refund.id });
  expect(approved.body.refund).toMatchObject({ kind: 'buyer_request', status: 'succeeded', amount: PRICE, quantity: 1, restocked: true });
  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(1);
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ left: 18, total: 21 });
  const twice = await api<ErrorBody>(node.url, 'POST', `/api/refund-requests/${req.body.id}/approve`, merchant, {});
  expect([twice.status, twice.body.error.details]).toEqual([409, { reason: 'ALREADY_DECIDED' }]);

  // A second request (the rest), rejected with a reason: no money moves.
  const rest = await ask(order.id, { reason: 'changed my mind' });
  expect(rest.status).toBe(201);
  const rejected = await api<RefundRequest>(node.url, 'POST', `/api/refund-requests/${rest.body.id}/reject`, merchant, {
    reason: 'opened and used',
  });
  expect(rejected.body).toMatchObject({ status: 'rejected', decisionReason: 'opened and used', refundId: null });
  expect(await refundsOf(node, buyer, order.id)).toMatchObject({ refundedAmount: PRICE, refundedQuantity: 1 });
  expect(sandbox.refunds().filter((r) => r.chargeId === order.chargeId)).toHaveLength(1);

  // Outside the window: refused, nothing changes.
  const old = await paidOrder(node, buyer, product, 1, 'req-2');
  await node.node.ctx.db.query(`UPDATE orders SET paid_at = paid_at - interval '8 days' WHERE id = $1`, [old.id]);
  let before = await moneySnapshot(node);
  const late = await ask(old.id, { reason: 'late' });
  expect([late.status, late.body.error.details]).toEqual([409, { reason: 'WINDOW_CLOSED' }]);
  expect(await moneySnapshot(node)).toEqual(before);

  // Open requests per buyer are bounded.
  const o3 = await paidOrder(node, buyer, product, 1, 'req-3');
  const o4 = await paidOrder(node, buyer, product, 1, 'req-4');
  const o5 = await paidOrder(node, buyer, product, 1, 'req-5');
  expect((await ask(o3.id, { reason: 'a' })).status).toBe(201);
  expect((await ask(o4.id, { reason: 'b' })).status).toBe(201);
  before = await moneySnapshot(node);
  const over = await ask(o5.id, { reason: 'c' });
  expect([over.status, over.body.error.code, over.body.error.details]).toEqual([
    429,
    'QUOTA_EXCEEDED',
    { limit: 'REFUND_REQUESTS_OPEN_PER_BUYER', max: 2 },
  ]);
  // Another buyer cannot ask about this buyer's order (no existence leak).
  const other = await api<ErrorBody>(node.url, 'POST', `/api/orders/${o5.id}/refund-requests`, staff, { reason: 'mine?' });
  expect([other.status, other.body.error.code]).toEqual([404, 'NOT_FOUND']);
  expect(await moneySnapshot(node)).toEqual(before);

  // The shop's list pages newest first; open ones are those to answer.
  const page1 = await api<RefundRequestPage>(node.url, 'GET', `/api/shops/${shop.id}/refund-requests?limit=2`, merchant);
  const page2 = await api<RefundRequestPage>(
    node.url,
    'GET',
    `/api/shops/${shop.id}/refund-requests?limit=2&cursor=${page1.body.nextCursor}`,
    merchant,
  );
  expect([...page1.body.requests, ...page2.body.requests].map((r) => r.status)).toEqual(['open', 'open', 'rejected', 'approved']);
  expect(page2.body.nextCursor).toBeNull();
});
