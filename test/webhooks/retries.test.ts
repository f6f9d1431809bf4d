import { expect, it } from 'vitest';
import type { WebhookDeliveryList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, paidOrder, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('retries a failed delivery with backoff until the endpoint answers 2xx, logging every attempt', async () => {
  const node = t.add(await webhookNode({ WEBHOOK_MAX_ATTEMPTS: '5' }));
  const receiver = t.add(await startReceiver());
  receiver.answer = (n) => (n < 2 ? 503 : 204); // two failures, then success
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  const { endpoint, secret } = await createEndpoint(node, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid'] });
  receiver.secret = secret;
  await paidOrder(node, 'ord', { shopId: shop.id });

  const log = await waitFor('the delivery succeeded', async () => {
    const res = await api<WebhookDeliveryList>(node.url, 'GET', `/api/webhooks/endpoints/${endpoint.id}/deliveries`, owner);
    return res.body.deliveries[0]?.status === 'succeeded' ? res.body : null;
  });
  expect(receiver.received).toHaveLength(3);
  expect(receiver.received.every((r) => r.verified)).toBe(true);
  // Same event, same body every time (receivers dedupe by event id); each attempt signed afresh.
  expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  expect(log.deliveries).toHaveLength(1);
  expect(log.deliveries[0]).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 204, lastError: null });
  const { rows } = await node.node.ctx.db.query('SELECT attempt, status_code, error FROM webhook_attempts ORDER BY attempt');
  expect(rows).toEqual([
    { attempt: 1, status_code: 503, error: 'HTTP 503: ok' },
    { attempt: 2, status_code: 503, error: 'HTTP 503: ok' },
    { attempt: 3, status_code: 204, error: null },
  ]);
  // A success ends the failure streak.
  const ep = await node.node.ctx.db.query('SELECT consecutive_failures, failing_since FROM webhook_endpoints');
  expect(ep.rows[0]).toEqual({ consecutive_failures: 0, failing_since: null });
});
