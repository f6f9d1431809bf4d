import { expect, it } from 'vitest';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, paidOrder, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('loses no event when the node stops after the order changed: the outbox is in PostgreSQL and the next node delivers it', async () => {
  const receiver = t.add(await startReceiver());
  // Node A never gets to dispatch (its dispatcher's first tick is a minute away) and stops right after the order is paid.
  const a = await webhookNode({ WEBHOOK_DISPATCH_MS: '60000' });
  const owner = await tokenAs(a, 'm1', 'merchant');
  const shop = await openShop(a, owner);
  const { endpoint, secret } = await createEndpoint(a, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid'] });
  receiver.secret = secret;
  await paidOrder(a, 'ord', { shopId: shop.id });
  // And a delivery a dispatcher committed but never queued (its node died between the two).
  await paidOrder(a, 'lost', { shopId: shop.id });
  await a.node.ctx.db.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, type, body, created_at)
     SELECT 'orphan', $1, event_id, type, '{"id":"' || event_id || '","type":"order.paid","data":{"order":{"id":"lost1"}}}', now() - interval '1 minute'
       FROM webhook_outbox WHERE order_id = 'lost1'`,
    [endpoint.id],
  );
  await a.node.ctx.db.query(`UPDATE webhook_outbox SET dispatched_at = now() WHERE order_id = 'lost1'`);
  await a.close();
  expect(receiver.received).toHaveLength(0);

  // Node B of the same deployment (same schema and Redis prefix) picks both up.
  const b = t.add(await webhookNode({ REDIS_KEY_PREFIX: a.prefix }));
  await waitFor('both delivered', () => (receiver.received.length >= 2 ? true : null));
  expect(receiver.received.map((r) => r.json.data.order.id).sort()).toEqual(['lost1', 'ord1']);
  expect(receiver.received.every((r) => r.verified)).toBe(true);
  const { rows } = await b.node.ctx.db.query(`SELECT count(*)::int AS n FROM webhook_outbox WHERE dispatched_at IS NULL`);
  expect(rows[0].n).toBe(0);
  await waitFor('both succeeded', async () => {
    const r = await b.node.ctx.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'`);
    return r.rows[0].n === 2 || null;
  });
});
