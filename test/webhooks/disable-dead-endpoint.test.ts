import { expect, it } from 'vitest';
import type { WebhookEndpoint, WebhookEndpointList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, paidOrder, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('disables an endpoint after the configured number of consecutive failed deliveries, shows it disabled, audits it, and can re-enable it', async () => {
  const node = t.add(
    await webhookNode({ WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_DISABLE_AFTER_FAILURES: '3', WEBHOOK_DISABLE_MIN_AGE_MS: '0' }),
  );
  const receiver = t.add(await startReceiver());
  receiver.answer = () => 500;
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const { endpoint } = await createEndpoint(node, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid'] });
  const get = async () => (await api<WebhookEndpoint>(node.url, 'GET', `/api/webhooks/endpoints/${endpoint.id}`, owner)).body;

  // Two failed deliveries: still active, the streak counted.
  await paidOrder(node, 'a', { shopId: shop.id });
  await paidOrder(node, 'b', { shopId: shop.id });
  await waitFor('two deliveries failed', async () => ((await get()).consecutiveFailures === 2 ? true : null));
  expect((await get()).status).toBe('active');
  // The third: disabled (each delivery was tried twice: six requests).
  await paidOrder(node, 'c', { shopId: shop.id });
  const disabled = await waitFor('disabled', async () => {
    const e = await get();
    return e.status === 'disabled' ? e : null;
  });
  expect(disabled.disabledReason).toMatch(/3 consecutive deliveries failed/);
  expect(disabled.disabledAt).toBeGreaterThan(0);
  expect(receiver.received).toHaveLength(6);
  const list = await api<WebhookEndpointList>(node.url, 'GET', `/api/webhooks/endpoints?shopId=${shop.id}`, owner);
  expect(list.body.endpoints[0]?.status).toBe('disabled');
  const audit = await node.node.ctx.db.query(
    `SELECT scope, scope_id, actor, target FROM merchant_audit WHERE action = 'webhook.endpoint.disabled'`,
  );
  expect(audit.rows).toEqual([{ scope: 'shop', scope_id: shop.id, actor: 'system', target: endpoint.id }]);

  // A disabled endpoint gets nothing more.
  await paidOrder(node, 'd', { shopId: shop.id });
  await waitFor('the event was dispatched', async () => {
    const { rows } = await node.node.ctx.db.query(`SELECT 1 FROM webhook_outbox WHERE order_id = 'd1' AND dispatched_at IS NOT NULL`);
    return rows.length > 0 || null;
  });
  expect(receiver.received).toHaveLength(6);

  // Re-enabled by its owner: the streak starts again and deliveries flow.
  receiver.answer = () => 200;
  const enabled = await api<WebhookEndpoint>(node.url, 'PATCH', `/api/webhooks/endpoints/${endpoint.id}`, owner, { enabled: true });
  expect(enabled.body).toMatchObject({ status: 'active', disabledAt: null, disabledReason: null, consecutiveFailures: 0 });
  await paidOrder(node, 'e', { shopId: shop.id });
  await waitFor('delivered after re-enabling', () => receiver.received.some((r) => r.json.data.order.id === 'e1') || null);
});

it('does not disable an endpoint whose failure streak is younger than the minimum age', async () => {
  const node = t.add(
    await webhookNode({ WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_DISABLE_AFTER_FAILURES: '2', WEBHOOK_DISABLE_MIN_AGE_MS: '3600000' }),
  );
  const receiver = t.add(await startReceiver());
  receiver.answer = () => 500;
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const { endpoint } = await createEndpoint(node, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid'] });
  for (const id of ['a', 'b', 'c']) await paidOrder(node, id, { shopId: shop.id });
  const e = await waitFor('three failures', async () => {
    const r = await api<WebhookEndpoint>(node.url, 'GET', `/api/webhooks/endpoints/${endpoint.id}`, owner);
    return r.body.consecutiveFailures === 3 ? r.body : null;
  });
  expect(e.status).toBe('active'); // over the count, but failing for less than an hour
});
