import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';
import { type ErrorBody, moneySnapshot, paidOrder, placeOrder, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * Every endpoint of the refunds domain answers bad input with a typed error and changes nothing: malformed bodies and
 * ids, zero, negative and oversize amounts and quantities, a refund of an unpaid order, another shop's order, another
 * agency's staff, the wrong role, unknown ids, another buyer's order.
 */
it('bad input on every refund endpoint: typed errors, nothing changed', async () => {
  const { node, sandbox, merchant, staff, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 2, 'bad-1');
  sandbox.update({ declineRate: 1 });
  const [unpaid] = await waitFinal(node, buyer, [(await placeOrder(node, buyer, product, 1, 'bad-2')).id]);
  sandbox.update({ declineRate: 0 });
  expect(unpaid!.status).toBe('failed');
  const request = await api<{ id: string }>(node.url, 'POST', `/api/orders/${order.id}/refund-requests`, buyer, { reason: 'broken' });
  expect(request.status).toBe(201);

  // Another merchant's shop and order, another agency's owner, another buyer, an admin.
  const otherMerchant = await tokenAs(node, 'm2', 'merchant');
  const otherShop = await openShop(node, otherMerchant, { name: 'Other', currency: 'CNY' });
  const otherProduct = await addProduct(node, otherMerchant, otherShop.id, simpleProduct());
  const otherBuyer = await tokenAs(node, 'b2', 'viewer');
  const theirOrder = await paidOrder(node, otherBuyer, otherProduct, 1, 'bad-3');
  const agencyOwner = await devToken(node.url, { userId: 'a9', name: 'a9', role: 'agency', agencyId: 'ag9' });

  const before = await moneySnapshot(node);
  const cases: [string, string, string | undefined, unknown, number, string, string?][] = [
    // staff cancel
    ['POST', `/api/orders/${order.id}/staff-cancel`, merchant, {}, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/staff-cancel`, merchant, { reason: '   ' }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/staff-cancel`, merchant, { reason: 'x'.repeat(501) }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/staff-cancel`, merchant, { reason: 'ok', extra: 1 }, 400, 'BAD_REQUEST'],
    ['POST', '/api/orders/not%20an%20id/staff-cancel', merchant, { reason: 'ok' }, 400, 'BAD_REQUEST'],
    ['POST', '/api/orders/ord_nope/staff-cancel', merchant, { reason: 'ok' }, 404, 'NOT_FOUND'],
    ['POST', `/api/orders/${order.id}/staff-cancel`, undefined, { reason: 'ok' }, 401, 'UNAUTHENTICATED'],
    ['POST', `/api/orders/${order.id}/staff-cancel`, merchant, { reason: 'paid' }, 409, 'CONFLICT', 'NOT_CANCELLABLE'],
    ['POST', `/api/orders/${theirOrder.id}/staff-cancel`, staff, { reason: 'not ours' }, 403, 'FORBIDDEN'],
    // refunds
    ['POST', `/api/orders/${unpaid!.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', full: true }, 409, 'CONFLICT', 'NOT_PAID'],
    ['POST', `/api/orders/${theirOrder.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', full: true }, 403, 'FORBIDDEN'],
    ['POST', `/api/orders/${order.id}/refunds`, agencyOwner, { idempotencyKey: 'k1', reason: 'x', full: true }, 403, 'FORBIDDEN'],
    ['POST', `/api/orders/${order.id}/refunds`, staff, { idempotencyKey: 'k1', reason: 'x', full: true }, 403, 'FORBIDDEN'],
    ['POST', `/api/orders/${order.id}/refunds`, buyer, { idempotencyKey: 'k1', reason: 'x', full: true }, 403, 'FORBIDDEN'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', amount: 0 }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', amount: -5 }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', amount: 1.5 }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', amount: 1e13 }, 400, 'BAD_REQUEST'],
    [
      'POST',
      `/api/orders/${order.id}/refunds`,
      merchant,
      { idempotencyKey: 'k1', reason: 'x', amount: 10_000_000 },
      409,
      'CONFLICT',
      'EXCEEDS_PAID',
    ],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', quantity: 0 }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x', quantity: 1000 }, 400, 'BAD_REQUEST'],
    [
      'POST',
      `/api/orders/${order.id}/refunds`,
      merchant,
      { idempotencyKey: 'k1', reason: 'x', quantity: 1, amount: 5 },
      400,
      'BAD_REQUEST',
    ],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', reason: 'x' }, 400, 'BAD_REQUEST'],
    [
      'POST',
      `/api/orders/${order.id}/refunds`,
      merchant,
      { idempotencyKey: 'k1', reason: 'x', amount: 5, restock: true },
      400,
      'BAD_REQUEST',
    ],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'bad key!', reason: 'x', full: true }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, { idempotencyKey: 'k1', full: true }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refunds`, merchant, '{"idempotencyKey": "k1", ', 400, 'BAD_REQUEST'],
    ['POST', '/api/orders/ord_nope/refunds', merchant, { idempotencyKey: 'k1', reason: 'x', full: true }, 404, 'NOT_FOUND'],
    ['GET', `/api/orders/${order.id}/refunds`, otherBuyer, undefined, 404, 'NOT_FOUND'],
    // buyer refund requests
    ['POST', `/api/orders/${order.id}/refund-requests`, buyer, { reason: 'x', quantity: 0 }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${order.id}/refund-requests`, buyer, { quantity: 1 }, 400, 'BAD_REQUEST'],
    ['POST', `/api/orders/${unpaid!.id}/refund-requests`, buyer, { reason: 'x' }, 409, 'CONFLICT', 'NOT_PAID'],
    ['POST', `/api/orders/${order.id}/refund-requests`, otherBuyer, { reason: 'x' }, 404, 'NOT_FOUND'],
    ['GET', `/api/orders/${order.id}/refund-requests`, otherBuyer, undefined, 404, 'NOT_FOUND'],
    ['POST', '/api/refund-requests/rq_nope/approve', merchant, {}, 404, 'NOT_FOUND'],
    ['POST', `/api/refund-requests/${request.body.id}/approve`, merchant, { restock: 'yes' }, 400, 'BAD_REQUEST'],
    ['POST', `/api/refund-requests/${request.body.id}/approve`, otherMerchant, {}, 403, 'FORBIDDEN'],
    ['POST', `/api/refund-requests/${request.body.id}/approve`, buyer, {}, 403, 'FORBIDDEN'],
    ['POST', `/api/refund-requests/${request.body.id}/reject`, merchant, {}, 400, 'BAD_REQUEST'],
    ['POST', `/api/refund-requests/${request.body.id}/reject`, otherMerchant, { reason: 'no' }, 403, 'FORBIDDEN'],
    ['GET', `/api/shops/${otherShop.id}/refund-requests`, merchant, undefined, 403, 'FORBIDDEN'],
    ['GET', `/api/shops/${otherShop.id}/refund-requests?status=done`, otherMerchant, undefined, 400, 'BAD_REQUEST'],
    ['GET', `/api/shops/${otherShop.id}/refund-requests?cursor=made-up`, otherMerchant, undefined, 400, 'BAD_REQUEST'],
    ['GET', '/api/shops/shop_nope/refund-requests', merchant, undefined, 404, 'NOT_FOUND'],
    // the audit reader
    ['GET', '/api/merchant-audit', merchant, undefined, 400, 'BAD_REQUEST'],
    ['GET', `/api/merchant-audit?shopId=${otherShop.id}&roomId=r1`, merchant, undefined, 400, 'BAD_REQUEST'],
    ['GET', `/api/merchant-audit?shopId=${otherShop.id}`, merchant, undefined, 403, 'FORBIDDEN'],
    ['GET', '/api/merchant-audit?shopId=shop_nope', merchant, undefined, 404, 'NOT_FOUND'],
    ['GET', `/api/merchant-audit?shopId=${otherShop.id}&cursor=abc`, otherMerchant, undefined, 400, 'BAD_REQUEST'],
    ['GET', `/api/merchant-audit?shopId=${otherShop.id}&from=20&to=10`, otherMerchant, undefined, 400, 'BAD_REQUEST'],
    ['GET', `/api/merchant-audit?shopId=${otherShop.id}&limit=1000`, otherMerchant, undefined, 400, 'BAD_REQUEST'],
  ];
  for (const [method, path, token, body, status, code, reason] of cases) {
    const res = await api<ErrorBody>(node.url, method, path, token, body);
    expect([method, path, body, res.status, res.body?.error?.code], JSON.stringify(res.body)).toEqual([method, path, body, status, code]);
    if (reason) expect(res.body.error.details?.reason).toBe(reason);
  }
  expect(await moneySnapshot(node)).toEqual(before);
  expect(sandbox.refunds()).toHaveLength(0);
});
