import { expect, it } from 'vitest';
import type { Order, OrderHistory } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { type ErrorBody, deliver, fulfilmentBench, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * An order's history names who took each fulfilment step (the staff member who shipped, the owner who delivered, the
 * server that completed it), with the carrier and tracking number and the notes as reasons; the shop's owner and
 * staff read the order and its history as its buyer does, another shop's owner does not (NOT_FOUND).
 */
it('the history shows each fulfilment step with who took it, for the buyer and the shop', async () => {
  const { node } = await fulfilmentBench(t, { ORDER_AUTO_COMPLETE_MS: '200' });
  const { token: owner, shop } = await shopWithPaidOrders(node, 'm-hist', 1, 'hist');
  expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st-hist`, owner)).status).toBe(200);
  const staff = await tokenAs(node, 'st-hist', 'viewer');
  const buyer = await tokenAs(node, 'buyer1', 'viewer'); // seedOrders: order hist1's buyer
  const { token: stranger } = await shopWithPaidOrders(node, 'm-stranger', 0, 'none');

  expect((await ship(node, staff, 'hist1', { carrier: 'Yodel', trackingNumber: 'JJD0001234', note: 'fragile' })).status).toBe(200);
  expect((await deliver(node, owner, 'hist1', { note: 'signed by J. Doe' })).status).toBe(200);
  const history = await waitFor('completed', async () => {
    const h = await api<OrderHistory>(node.url, 'GET', '/api/orders/hist1/history', buyer);
    return h.body.fulfilment?.status === 'completed' ? h.body : null;
  });
  expect(history.events.map((e) => ({ status: e.status, kind: e.kind, actor: e.actor, reason: e.reason }))).toEqual([
    { status: 'shipped', kind: 'fulfilment', actor: 'st-hist', reason: 'Yodel JJD0001234: fragile' },
    { status: 'delivered', kind: 'fulfilment', actor: 'm-hist', reason: 'signed by J. Doe' },
    { status: 'completed', kind: 'fulfilment', actor: 'system:fulfilment', reason: 'completed automatically 200 ms after delivery' },
  ]);
  const at = history.events.map((e) => e.at);
  expect(at).toEqual([...at].sort((a, b) => a - b));
  expect(at).toEqual([history.fulfilment!.shippedAt, history.fulfilment!.deliveredAt, history.fulfilment!.completedAt]);

  for (const who of [owner, staff]) {
    expect((await api<OrderHistory>(node.url, 'GET', '/api/orders/hist1/history', who)).body.events).toEqual(history.events);
    expect((await api<Order>(node.url, 'GET', '/api/orders/hist1', who)).body.fulfilment?.status).toBe('completed');
  }
  const hidden = await api<ErrorBody>(node.url, 'GET', '/api/orders/hist1/history', stranger);
  expect([hidden.status, hidden.body.error.code]).toEqual([404, 'NOT_FOUND']);
});
