import { expect, it } from 'vitest';
import type { WebhookDeliveryList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, orderEvent, paidOrder, startReceiver, verify, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('delivers order events to the subscribed endpoint, signed with its secret, and logs status, latency and attempts', async () => {
  const node = t.add(await webhookNode());
  const receiver = t.add(await startReceiver());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const created = await createEndpoint(node, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid', 'order.shipped'] });
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(created.endpoint).toMatchObject({ scope: 'shop', scopeId: shop.id, status: 'active', events: ['order.paid', 'order.shipped'] });
  receiver.secret = created.secret;

  await paidOrder(node, 'ord', { shopId: shop.id });
  await orderEvent(node, 'ord1', 'cancelled'); // not subscribed: never sent
  await orderEvent(node, 'ord1', 'shipped');
  await waitFor('two deliveries', () => receiver.received.length >= 2 || null);
  // Deliveries run concurrently: they may arrive in either order.
  const paid = receiver.received.find((r) => r.json.type === 'order.paid');
  const shipped = receiver.received.find((r) => r.json.type === 'order.shipped');
  expect(paid?.verified).toBe(true);
  expect(paid?.headers['content-type']).toBe('application/json');
  expect(paid?.headers['hawker-event']).toBe('order.paid');
  expect(paid?.headers['hawker-signature']).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
  expect(paid?.json).toMatchObject({
    type: 'order.paid',
    data: { order: { id: 'ord1', status: 'paid', shopId: shop.id, amount: 1001, currency: 'CNY' } },
  });
  expect(paid?.json.id).toBe(paid?.headers['hawker-event-id']);
  expect(shipped?.json.type).toBe('order.shipped');
  expect(shipped?.verified).toBe(true);
  expect(receiver.received).toHaveLength(2); // the cancellation was not subscribed to
  // The check can fail: another secret, or a body changed by one byte, does not verify.
  const otherSecret = `${created.secret.slice(0, -1)}${created.secret.endsWith('A') ? 'B' : 'A'}`;
  expect(verify(otherSecret, paid?.headers['hawker-signature'] as string, paid!.body)).toBe(false);
  expect(verify(created.secret, paid?.headers['hawker-signature'] as string, `${paid!.body} `)).toBe(false);

  const log = await waitFor('the log shows both succeeded', async () => {
    const res = await api<WebhookDeliveryList>(node.url, 'GET', `/api/webhooks/endpoints/${created.endpoint.id}/deliveries`, owner);
    return res.body.deliveries.every((d) => d.status === 'succeeded') && res.body.deliveries.length === 2 ? res.body : null;
  });
  for (const d of log.deliveries) {
    expect(d).toMatchObject({ endpointId: created.endpoint.id, status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null });
    expect(d.lastLatencyMs).toBeGreaterThanOrEqual(0);
  }
});
