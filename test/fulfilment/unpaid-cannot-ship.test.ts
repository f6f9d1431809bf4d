import { expect, it } from 'vitest';
import type { PlaceOrderResult } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { seedOrders } from '../exports/fixtures.ts';
import { deliver, fulfilmentBench, ledgerState, ship } from './fixtures.ts';

const t = useTeardown();

/**
 * Only paid orders are fulfilled: a real order the sandbox gateway declined (failed), and ledger orders that expired
 * or were cancelled, are refused with CONFLICT, and nothing changes (no step, no history row, no webhook event). The
 * ledger itself refuses a fulfilled order that was never paid.
 */
it('refuses to ship or deliver an order that is not paid', async () => {
  const { node } = await fulfilmentBench(t, { PAYMENT_MAX_ATTEMPTS: '1' }, { declineRate: 1 });
  const { creator, room, product } = await liveRoomWithProduct(node);
  const buyer = await joinedViewer(t, node, room.id, { userId: 'unpaid-buyer' });
  const placed = ok(
    await call(buyer.socket, 'order:place', {
      roomId: room.id,
      productId: product.id,
      skuId: 'std',
      quantity: 1,
      idempotencyKey: 'unpaid-1',
    }),
  ) as PlaceOrderResult;
  const [final] = await waitFinal(node, creator, [placed.order.id]);
  expect(final!.status).toBe('failed');

  // Ledger orders of the same room that expired or were cancelled (terminal: nothing else moves them).
  await seedOrders(node, 2, { roomId: room.id, agencyId: 'ag1' }, { idPrefix: 'unpaid' });
  const db = node.node.ctx.db;
  await db.query(`UPDATE orders SET status = 'expired', charge_id = NULL, paid_at = NULL WHERE id = 'unpaid1'`);
  await db.query(`UPDATE orders SET status = 'cancelled', charge_id = NULL, paid_at = NULL WHERE id = 'unpaid2'`);

  for (const [orderId, status] of [
    [placed.order.id, 'failed'],
    ['unpaid1', 'expired'],
    ['unpaid2', 'cancelled'],
  ] as const) {
    const before = await ledgerState(node, orderId);
    const shipped = await ship(node, creator, orderId);
    expect([shipped.status, shipped.body.error.code]).toEqual([409, 'CONFLICT']);
    expect(shipped.body.error.message).toMatch(new RegExp(`is ${status}: only paid orders`));
    const delivered = await deliver(node, creator, orderId);
    expect([delivered.status, delivered.body.error.code]).toEqual([409, 'CONFLICT']);
    expect(await ledgerState(node, orderId)).toEqual(before);
    expect(before.order.fulfilment_status).toBe('unfulfilled');
    expect(before.outbox.filter((e) => e === 'order.shipped' || e === 'order.delivered')).toEqual([]);
  }
  await expect(
    db.query(
      `UPDATE orders SET fulfilment_status = 'shipped', carrier = 'UPS', tracking_number = 'AB1234', shipped_at = now() WHERE id = 'unpaid1'`,
    ),
  ).rejects.toThrow(/orders_fulfilment_paid/);
});
