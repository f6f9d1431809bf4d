import { expect, it } from 'vitest';
import type { Order, OrderUpdated } from '@hawker/protocol';
import { api, connect } from '../../harness/clients.ts';
import { skuCounts } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { LedgerOrders } from '../../server/ledger/index.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { type ErrorBody, moneySnapshot, placeOrder, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * Shop staff cancel an unpaid order with a reason (no payment worker runs, so orders stay reserved): the ledger says
 * cancelled with who and why, the units are back in the shop pool at once, the buyer's sockets hear it, and the audit
 * trail has it. An order whose payment is in flight is refused with PAYMENT_IN_FLIGHT (a refund can follow once it is
 * paid); people who are not the shop's staff are refused; neither changes anything.
 */
it('staff cancel an unpaid order: stock returns at once; a paying order is refused', async () => {
  const { node, redis, merchant, staff, product, buyer } = await refundBench(t, { stock: 10, env: { PAYMENT_WORKER: 'false' } });
  const skuId = product.skus[0]!.id;
  const order = await placeOrder(node, buyer, product, 4, 'cancel-1');
  expect(order.status).toBe('reserved');
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ left: 6, reserved: 4 });
  const socket = t.add(await connect(node.url, buyer));
  const pushed = new Promise<OrderUpdated>((resolve) => socket.on('order:updated', (u) => u.status === 'cancelled' && resolve(u)));

  // Neither another merchant nor the buyer may use the staff cancel.
  const before = await moneySnapshot(node);
  const stranger = await tokenAs(node, 'm2', 'merchant');
  for (const who of [stranger, buyer]) {
    const res = await api<ErrorBody>(node.url, 'POST', `/api/orders/${order.id}/staff-cancel`, who, { reason: 'no' });
    expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
  }
  expect(await moneySnapshot(node)).toEqual(before);

  const res = await api<Order>(node.url, 'POST', `/api/orders/${order.id}/staff-cancel`, staff, {
    reason: 'out of stock in the warehouse',
  });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('cancelled');
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ left: 10, reserved: 0, sold: 0 });
  expect((await pushed).orderId).toBe(order.id);
  const history = await api<{ events: { status: string; actor: string; reason: string | null }[] }>(
    node.url,
    'GET',
    `/api/orders/${order.id}/history`,
    buyer,
  );
  expect(history.body.events.at(-1)).toMatchObject({
    status: 'cancelled',
    actor: 'st1',
    reason: 'cancelled by staff: out of stock in the warehouse',
  });
  const { rows: audit } = await node.node.ctx.db.query(`SELECT actor, action, target FROM merchant_audit WHERE target = $1`, [order.id]);
  expect(audit).toEqual([{ actor: 'st1', action: 'order.cancelled_by_staff', target: order.id }]);

  // Twice: the order is cancelled already.
  const again = await api<ErrorBody>(node.url, 'POST', `/api/orders/${order.id}/staff-cancel`, merchant, { reason: 'again' });
  expect([again.status, again.body.error.details]).toEqual([409, { reason: 'NOT_CANCELLABLE' }]);

  // A payment in flight: the payment worker's own first step (reserved -> pending_payment, attempt recorded).
  const paying = await placeOrder(node, buyer, product, 1, 'cancel-2');
  const begun = await new LedgerOrders(node.node.ctx.db).begin(paying.id, `gk-${paying.id}`);
  expect(begun?.order.status).toBe('pending_payment');
  const beforePaying = await moneySnapshot(node);
  const refused = await api<ErrorBody>(node.url, 'POST', `/api/orders/${paying.id}/staff-cancel`, merchant, { reason: 'too late' });
  expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([409, 'CONFLICT', { reason: 'PAYMENT_IN_FLIGHT' }]);
  expect(refused.body.error.message).toMatch(/in flight.*refund/);
  expect(await moneySnapshot(node)).toEqual(beforePaying);
  await waitFor(
    'the cancelled units stay returned',
    async () => (await skuCounts(redis, node.prefix, product.id, skuId)).left === 9 || null,
  );
});
