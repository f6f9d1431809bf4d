import { expect, it } from 'vitest';
import { HawkerApi, HawkerError } from '../../client-sdk/src/index.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { paidOrder, PRICE, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * The SDK's after-payment methods against a real node: a buyer requests a refund, the merchant refunds by quantity,
 * rejects the request, reads the totals and the audit trail; a refused refund rejects with the server's typed error.
 */
it('HawkerApi: refunds, refund requests and the audit trail', async () => {
  const { node, merchant, shop, product, buyer } = await refundBench(t);
  const order = await paidOrder(node, buyer, product, 2, 'sdk-1');
  const asMerchant = new HawkerApi(node.url, merchant);
  const asBuyer = new HawkerApi(node.url, buyer);

  const request = await asBuyer.requestRefund(order.id, { reason: 'one is chipped', quantity: 1 });
  expect((await asMerchant.orderRefundRequests(order.id)).requests.map((r) => r.id)).toEqual([request.id]);
  const { refund, replayed } = await asMerchant.refundOrder(order.id, { idempotencyKey: 'sdk-refund', reason: 'chipped', quantity: 1 });
  expect([refund.status, refund.amount, replayed]).toEqual(['succeeded', PRICE, false]);
  expect((await asMerchant.rejectRefundRequest(request.id, 'refunded directly')).status).toBe('rejected');
  expect(await asBuyer.orderRefunds(order.id)).toMatchObject({ refundedAmount: PRICE, refundedQuantity: 1 });

  const refused = await asMerchant.refundOrder(order.id, { idempotencyKey: 'sdk-too-much', reason: 'x', quantity: 2 }).catch((e) => e);
  expect(refused).toBeInstanceOf(HawkerError);
  expect((refused as HawkerError).code).toBe('CONFLICT');
  const cancel = await asMerchant.staffCancelOrder(order.id, 'paid already').catch((e) => e);
  expect((cancel as HawkerError).code).toBe('CONFLICT');

  const audit = await asMerchant.merchantAudit({ shopId: shop.id, action: 'refund.succeeded' });
  expect(audit.entries.map((e) => e.target)).toEqual([order.id]);
});
