import { expect, it } from 'vitest';
import type { OrderStatus } from '@hawker/protocol';
import { applyCommerceEvent, commerceStateFromSnapshot, type CommerceState } from '../../../client-sdk/src/state/commerce.ts';
import { order, snapshot } from './fixtures.ts';

const s0 = commerceStateFromSnapshot(snapshot());
const pushed = (s: CommerceState, status: OrderStatus, updatedAt: number, reason: string | null = null, orderId = 'o1') =>
  applyCommerceEvent(s, { event: 'order:updated', payload: { orderId, status, reason, chargeId: null, updatedAt } });

it('the order:place acknowledgement records the order; its status pushes follow to paid', () => {
  const placed = order();
  let s = applyCommerceEvent(s0, { event: 'order', payload: placed });
  expect(s.orders.o1).toEqual({ id: 'o1', status: 'reserved', reason: null, updatedAt: 100, order: placed });
  s = pushed(s, 'pending_payment', 200);
  s = pushed(s, 'paid', 300);
  expect(s.orders.o1).toEqual({ id: 'o1', status: 'paid', reason: null, updatedAt: 300, order: placed });
});

it('a failure keeps its reason', () => {
  const s = pushed(pushed(s0, 'pending_payment', 200), 'failed', 300, 'card declined');
  expect(s.orders.o1).toMatchObject({ status: 'failed', reason: 'card declined', order: null });
});

it('a stale push never overwrites a newer status', () => {
  const paying = pushed(s0, 'pending_payment', 200);
  expect(pushed(paying, 'reserved', 100)).toBe(paying);
  const paid = pushed(paying, 'paid', 300);
  expect(pushed(paid, 'pending_payment', 200)).toBe(paid);
  // The same push twice changes nothing; the same status with a later time refreshes it.
  expect(pushed(paid, 'paid', 300)).toBe(paid);
  expect(pushed(paying, 'pending_payment', 250).orders.o1?.updatedAt).toBe(250);
});

it("a push that overtakes the acknowledgement wins; the late acknowledgement only adds the order's details", () => {
  const paid = pushed(s0, 'paid', 300);
  expect(paid.orders.o1).toMatchObject({ status: 'paid', order: null });
  const placed = order();
  const s = applyCommerceEvent(paid, { event: 'order', payload: placed });
  expect(s.orders.o1).toEqual({ id: 'o1', status: 'paid', reason: null, updatedAt: 300, order: placed });
});

it('a final status stays final even if a server clock says otherwise', () => {
  // updatedAt comes from the server that made the change: a skewed clock cannot take a paid order back to paying.
  const paid = pushed(s0, 'paid', 300);
  expect(pushed(paid, 'pending_payment', 400)).toBe(paid);
  expect(pushed(pushed(s0, 'pending_payment', 400), 'paid', 300).orders.o1?.status).toBe('paid');
});

it('orders are kept by id, whatever room they were placed in (pushes go to every connection of the buyer)', () => {
  const s = pushed(pushed(s0, 'paid', 300, null, 'o1'), 'expired', 310, 'not paid in time', 'o2');
  expect(Object.keys(s.orders).sort()).toEqual(['o1', 'o2']);
  expect(applyCommerceEvent(s, { event: 'order', payload: order({ id: 'o3', roomId: 'r2' }) }).orders.o3?.status).toBe('reserved');
});

it('fulfilment pushes (issue 16) add the fulfilment, never change the payment status, and never go back', () => {
  const f = (status: 'shipped' | 'delivered' | 'completed', at: number) => ({
    status,
    carrier: 'UPS',
    trackingNumber: '1Z999AA1',
    shippedAt: 400,
    deliveredAt: status === 'shipped' ? null : 500,
    completedAt: status === 'completed' ? at : null,
  });
  const step = (s: CommerceState, status: 'shipped' | 'delivered' | 'completed', at: number) =>
    applyCommerceEvent(s, {
      event: 'order:updated',
      payload: { orderId: 'o1', status: 'paid', reason: 'UPS 1Z999AA1', chargeId: null, updatedAt: at, fulfilment: f(status, at) },
    });
  const paid = pushed(s0, 'paid', 300);
  const shipped = step(paid, 'shipped', 400);
  expect(shipped.orders.o1).toEqual({ ...paid.orders.o1, fulfilment: f('shipped', 400) });
  const delivered = step(shipped, 'delivered', 500);
  expect(delivered.orders.o1?.fulfilment?.status).toBe('delivered');
  // A late shipped push, or the same one twice, changes nothing.
  expect(step(delivered, 'shipped', 400)).toBe(delivered);
  expect(step(delivered, 'delivered', 500)).toBe(delivered);
  expect(step(delivered, 'completed', 600).orders.o1).toMatchObject({ status: 'paid', reason: null, updatedAt: 300 });
  // A fulfilment push for an order this client never saw records it as paid with its fulfilment.
  expect(step(s0, 'shipped', 400).orders.o1).toMatchObject({ status: 'paid', order: null, fulfilment: { status: 'shipped' } });
});
