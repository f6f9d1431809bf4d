import { expect, it } from 'vitest';
import type { Order } from '@hawker/protocol';
import { useTeardown } from '../../harness/teardown.ts';
import { deliver, fulfilmentBench, ledgerState, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * Fulfilment only moves forward: delivering an unshipped order, shipping again with another tracking number, shipping
 * or delivering a completed order are refused (CONFLICT, nothing changed); the same request again answers the order
 * unchanged; staff racing to ship the same order ship it once.
 */
it('refuses backward and skipped steps, repeats idempotently, and ships once under a race', async () => {
  const { node } = await fulfilmentBench(t);
  const { token, shop } = await shopWithPaidOrders(node, 'm-fwd', 3, 'fwd');
  expect(shop.id).toBeTruthy();

  const early = await deliver(node, token, 'fwd1');
  expect([early.status, early.body.error.code]).toEqual([409, 'CONFLICT']);
  expect(early.body.error.message).toMatch(/not shipped yet/);
  expect((await ledgerState(node, 'fwd1')).events).toEqual([]);

  expect((await ship(node, token, 'fwd1')).status).toBe(200);
  const same = await ship(node, token, 'fwd1');
  expect([same.status, same.body.fulfilment?.status]).toEqual([200, 'shipped']);
  const other = await ship(node, token, 'fwd1', { carrier: 'DHL', trackingNumber: 'JD0000000001' });
  expect([other.status, other.body.error.code]).toEqual([409, 'CONFLICT']);
  expect((await ledgerState(node, 'fwd1')).order).toMatchObject({ carrier: 'UPS', tracking_number: '1Z999AA10123456784' });

  expect((await deliver(node, token, 'fwd1')).status).toBe(200);
  expect((await deliver(node, token, 'fwd1')).status).toBe(200); // again: unchanged
  const backToShipped = await ship(node, token, 'fwd1');
  expect([backToShipped.status, backToShipped.body.error.code]).toEqual([409, 'CONFLICT']);
  expect(backToShipped.body.error.message).toMatch(/already delivered: fulfilment only moves forward/);

  // Completed (as the server does it): nothing moves it back.
  await node.node.ctx.db.query(`UPDATE orders SET fulfilment_status = 'completed', completed_at = now() WHERE id = 'fwd1'`);
  for (const res of [await ship(node, token, 'fwd1'), await deliver(node, token, 'fwd1')]) {
    expect([res.status, res.body.error.code]).toEqual([409, 'CONFLICT']);
  }
  expect((await ledgerState(node, 'fwd1')).events.map((e) => e.status)).toEqual(['shipped', 'delivered']);
  // The ledger refuses a step without the ones before it, whatever writes it.
  await expect(
    node.node.ctx.db.query(`UPDATE orders SET fulfilment_status = 'delivered', delivered_at = now() WHERE id = 'fwd2'`),
  ).rejects.toThrow(/orders_fulfilment_steps/);

  // Ten concurrent ships of one order (same shipment): one step, one history row, one outbox event.
  const race = await Promise.all(Array.from({ length: 10 }, () => ship(node, token, 'fwd3')));
  expect(race.map((r) => r.status)).toEqual(Array(10).fill(200));
  expect(new Set(race.map((r) => (r.body as Order).fulfilment?.shippedAt)).size).toBe(1);
  const s = await ledgerState(node, 'fwd3');
  expect(s.events).toEqual([{ status: 'shipped', actor: 'm-fwd' }]);
  expect(s.outbox).toEqual(['order.shipped']);
});
