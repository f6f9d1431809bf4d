import { expect, it } from 'vitest';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { createEndpoint, startReceiver } from '../webhooks/fixtures.ts';
import { deliver, fulfilmentBench, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * Shipping and delivering announce order.shipped and order.delivered to the shop's subscribed endpoints, signed, with
 * the carrier and tracking number in the order's fulfilment; the auto-completion announces nothing (no such event), and
 * a repeated ship request announces nothing twice.
 */
it("delivers signed order.shipped and order.delivered webhooks with the tracking data to the shop's endpoint", async () => {
  const { node } = await fulfilmentBench(t, { ORDER_AUTO_COMPLETE_MS: '0' });
  const receiver = t.add(await startReceiver());
  const { token, shop } = await shopWithPaidOrders(node, 'm-hook', 1, 'hook');
  const { secret } = await createEndpoint(node, token, {
    shopId: shop.id,
    url: receiver.url,
    events: ['order.shipped', 'order.delivered'],
  });
  receiver.secret = secret;

  expect((await ship(node, token, 'hook1', { carrier: 'Royal Mail', trackingNumber: 'RM123456789GB' })).status).toBe(200);
  expect((await ship(node, token, 'hook1', { carrier: 'Royal Mail', trackingNumber: 'RM123456789GB' })).status).toBe(200);
  const shippedHook = await waitFor('order.shipped delivered', () => receiver.received.find((r) => r.json.type === 'order.shipped'));
  expect(shippedHook.verified).toBe(true);
  expect(shippedHook.json.data.order).toMatchObject({
    id: 'hook1',
    shopId: shop.id,
    status: 'paid',
    fulfilment: { status: 'shipped', carrier: 'Royal Mail', trackingNumber: 'RM123456789GB', deliveredAt: null },
  });

  expect((await deliver(node, token, 'hook1')).status).toBe(200);
  const deliveredHook = await waitFor('order.delivered delivered', () => receiver.received.find((r) => r.json.type === 'order.delivered'));
  expect(deliveredHook.verified).toBe(true);
  expect((deliveredHook.json.data.order.fulfilment as { status: string; deliveredAt: number | null }).deliveredAt).toBeGreaterThan(0);

  // Completed at once (ORDER_AUTO_COMPLETE_MS=0); the outbox then holds exactly the two announcements.
  await waitFor('completed', async () => {
    const { rows } = await node.node.ctx.db.query(`SELECT fulfilment_status FROM orders WHERE id = 'hook1'`);
    return rows[0]?.fulfilment_status === 'completed';
  });
  const { rows } = await node.node.ctx.db.query(`SELECT type FROM webhook_outbox WHERE order_id = 'hook1' ORDER BY id`);
  expect(rows.map((r) => r.type)).toEqual(['order.shipped', 'order.delivered']);
  await waitFor('dispatched', async () => {
    const { rows: left } = await node.node.ctx.db.query(`SELECT 1 FROM webhook_outbox WHERE dispatched_at IS NULL`);
    return left.length === 0;
  });
  expect(receiver.received.map((r) => r.json.type).sort()).toEqual(['order.delivered', 'order.shipped']);
});
