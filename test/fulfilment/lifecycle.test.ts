import { expect, it } from 'vitest';
import type { OrderHistory, OrderUpdated } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { deliver, fulfilmentBench, paidRoomOrder, ship } from './fixtures.ts';

const t = useTeardown();

/**
 * A real order's life after payment: placed over a socket, charged by the sandbox gateway, shipped and delivered by
 * the room's creator, completed by the server ORDER_AUTO_COMPLETE_MS after delivery; the buyer's open socket receives
 * each step as `order:updated` with the fulfilment, and the history shows every step with who took it.
 */
it('a paid order goes shipped -> delivered -> completed (automatically), each step pushed to the buyer', async () => {
  const { node } = await fulfilmentBench(t, { ORDER_AUTO_COMPLETE_MS: '300' });
  const { creator, buyer, orderId, updates } = await paidRoomOrder(t, node);
  const step = (status: string) =>
    waitFor(`order:updated ${status}`, () =>
      updates.find((u): u is OrderUpdated => u.orderId === orderId && u.fulfilment?.status === status),
    );

  const shipped = await ship(node, creator, orderId, { carrier: 'SF Express', trackingNumber: 'SF1234567890', note: 'two boxes' });
  expect(shipped.status).toBe(200);
  expect(shipped.body).toMatchObject({
    id: orderId,
    status: 'paid',
    fulfilment: { status: 'shipped', carrier: 'SF Express', trackingNumber: 'SF1234567890' },
  });
  const pushShipped = await step('shipped');
  expect(pushShipped).toMatchObject({ status: 'paid', fulfilment: { carrier: 'SF Express', trackingNumber: 'SF1234567890' } });

  const delivered = await deliver(node, creator, orderId, { note: 'left with the concierge' });
  expect(delivered.status).toBe(200);
  expect(delivered.body.fulfilment?.status).toBe('delivered');
  await step('delivered');

  // Nobody acts: the server completes it once ORDER_AUTO_COMPLETE_MS has passed since delivery.
  const completed = await step('completed');
  const f = completed.fulfilment!;
  expect(f.completedAt! - f.deliveredAt!).toBeGreaterThanOrEqual(300);
  expect(f.deliveredAt).toBeGreaterThanOrEqual(f.shippedAt!);

  const history = await api<OrderHistory>(node.url, 'GET', `/api/orders/${orderId}/history`, buyer.token);
  expect(history.status).toBe(200);
  expect(history.body.fulfilment).toMatchObject({ status: 'completed', carrier: 'SF Express', trackingNumber: 'SF1234567890' });
  const steps = history.body.events.map((e) => [e.status, e.kind, e.actor]);
  expect(steps.slice(-3)).toEqual([
    ['shipped', 'fulfilment', 'c1'],
    ['delivered', 'fulfilment', 'c1'],
    ['completed', 'fulfilment', 'system:fulfilment'],
  ]);
  expect(steps.find(([s]) => s === 'paid')?.[1]).toBe('payment');
  expect(history.body.events.find((e) => e.status === 'shipped')?.reason).toBe('SF Express SF1234567890: two boxes');
  // One push per step, each exactly once.
  expect(updates.filter((u) => u.fulfilment).map((u) => u.fulfilment!.status)).toEqual(['shipped', 'delivered', 'completed']);
});
