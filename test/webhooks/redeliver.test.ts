import { expect, it } from 'vitest';
import type { WebhookDelivery, WebhookDeliveryList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, paidOrder, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('redelivers a failed delivery by hand: a new delivery of the same event, signed with the current secret', async () => {
  const node = t.add(await webhookNode({ WEBHOOK_MAX_ATTEMPTS: '1' }));
  const receiver = t.add(await startReceiver());
  receiver.answer = (n) => (n === 0 ? 500 : 200);
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const { endpoint } = await createEndpoint(node, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid'] });
  await paidOrder(node, 'ord', { shopId: shop.id });
  const deliveries = async () =>
    (await api<WebhookDeliveryList>(node.url, 'GET', `/api/webhooks/endpoints/${endpoint.id}/deliveries`, owner)).body.deliveries;
  const failed = await waitFor('the delivery failed', async () => (await deliveries()).find((d) => d.status === 'failed'));
  expect(failed).toMatchObject({ attempts: 1, lastStatusCode: 500, redeliveryOf: null });

  // Rotate the secret first: the redelivery is signed with the new one.
  const rotated = await api<{ secret: string }>(node.url, 'POST', `/api/webhooks/endpoints/${endpoint.id}/rotate-secret`, owner);
  expect(rotated.status).toBe(200);
  receiver.secret = rotated.body.secret;

  // Another merchant cannot redeliver it; an unknown delivery is NOT_FOUND; neither sends anything.
  const other = await tokenAs(node, 'm2', 'merchant');
  expect((await api<ErrorBody>(node.url, 'POST', `/api/webhooks/deliveries/${failed.id}/redeliver`, other)).body.error.code).toBe(
    'FORBIDDEN',
  );
  expect((await api<ErrorBody>(node.url, 'POST', '/api/webhooks/deliveries/nope/redeliver', owner)).status).toBe(404);

  const again = await api<WebhookDelivery>(node.url, 'POST', `/api/webhooks/deliveries/${failed.id}/redeliver`, owner);
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ redeliveryOf: failed.id, eventId: failed.eventId, status: 'pending' });
  await waitFor('the redelivery succeeded', async () =>
    (await deliveries()).find((d) => d.id === again.body.id && d.status === 'succeeded'),
  );
  expect(receiver.received).toHaveLength(2);
  expect(receiver.received[1]?.json.id).toBe(failed.eventId);
  expect(receiver.received[1]?.verified).toBe(true);
  expect(receiver.received[0]?.body).toBe(receiver.received[1]?.body);
  const { rows } = await node.node.ctx.db.query(
    `SELECT actor, action, target FROM merchant_audit WHERE action LIKE 'webhook.%' ORDER BY id`,
  );
  expect(rows).toEqual([
    { actor: 'm1', action: 'webhook.endpoint.created', target: endpoint.id },
    { actor: 'm1', action: 'webhook.endpoint.secret_rotated', target: endpoint.id },
    { actor: 'm1', action: 'webhook.delivery.redelivered', target: failed.id },
  ]);
});

it('bounds redeliveries of one delivery (REDELIVERIES_PER_DELIVERY), chained ones included', async () => {
  const node = t.add(await webhookNode({ WEBHOOK_WORKER: 'false' })); // nothing is sent: only rows are counted
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const { endpoint } = await createEndpoint(node, owner, { shopId: shop.id, url: 'http://127.0.0.1:9/x', events: ['order.paid'] });
  await paidOrder(node, 'ord', { shopId: shop.id });
  const first = await waitFor('the delivery exists', async () => {
    const res = await api<WebhookDeliveryList>(node.url, 'GET', `/api/webhooks/endpoints/${endpoint.id}/deliveries`, owner);
    return res.body.deliveries[0];
  });
  let last = first.id;
  for (let i = 0; i < 20; i++) {
    const res = await api<WebhookDelivery>(node.url, 'POST', `/api/webhooks/deliveries/${last}/redeliver`, owner);
    expect(res.status).toBe(202);
    expect(res.body.redeliveryOf).toBe(first.id);
    last = res.body.id; // redeliver the redelivery: still counted against the first
  }
  const over = await api<ErrorBody>(node.url, 'POST', `/api/webhooks/deliveries/${last}/redeliver`, owner);
  expect(over.status).toBe(429);
  expect(over.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'REDELIVERIES_PER_DELIVERY', max: 20 } });
  const { rows } = await node.node.ctx.db.query('SELECT count(*)::int AS n FROM webhook_deliveries');
  expect(rows[0].n).toBe(21);
});
