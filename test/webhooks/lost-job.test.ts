import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { createEndpoint, paidOrder, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it('re-queues a pending delivery whose BullMQ job was lost (Redis data loss), so it is still delivered', async () => {
  const receiver = t.add(await startReceiver());
  // Node A queues the delivery but runs no worker; then its job vanishes from Redis.
  const a = t.add(await webhookNode({ WEBHOOK_WORKER: 'false' }));
  const owner = await tokenAs(a, 'm1', 'merchant');
  const shop = await openShop(a, owner);
  const { secret } = await createEndpoint(a, owner, { shopId: shop.id, url: receiver.url, events: ['order.paid'] });
  receiver.secret = secret;
  await paidOrder(a, 'ord', { shopId: shop.id });
  const db = a.node.ctx.db;
  const id = await waitFor('the delivery is queued', async () => {
    const { rows } = await db.query(`SELECT id FROM webhook_deliveries WHERE queued`);
    return rows[0]?.id as string | undefined;
  });
  const conn = t.add(new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }));
  const queue = t.add(new Queue('webhooks', { connection: conn, prefix: `${a.prefix}bull` }));
  const job = await queue.getJob(id);
  expect(job).toBeDefined();
  await job!.remove();
  expect(await queue.getJob(id)).toBeUndefined();
  // Long enough ago that the sweep looks at it (instead of waiting out the real threshold).
  await db.query(`UPDATE webhook_deliveries SET updated_at = now() - interval '1 day' WHERE id = $1`, [id]);
  await a.close();

  // Node B of the same deployment, with a worker: its dispatcher finds the job missing, re-adds it, and it is sent.
  const b = t.add(await webhookNode({ REDIS_KEY_PREFIX: a.prefix }));
  await waitFor('delivered', () => (receiver.received.length > 0 ? true : null));
  expect(receiver.received[0]?.verified).toBe(true);
  await waitFor('succeeded', async () => {
    const { rows } = await b.node.ctx.db.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [id]);
    return rows[0]?.status === 'succeeded' || null;
  });
});
