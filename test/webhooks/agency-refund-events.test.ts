import { expect, it } from 'vitest';
import { devToken } from '../../harness/clients.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openShop, tokenAs } from '../shops/fixtures.ts';
import { seedOrders } from '../exports/fixtures.ts';
import { createEndpoint, startReceiver, webhookNode } from './fixtures.ts';

const t = useTeardown();

it("sends an agency's endpoint the refunds of its orders once each, and no other agency's or shop's", async () => {
  const node = t.add(await webhookNode());
  const receiver = t.add(await startReceiver());
  const agencyOwner = await devToken(node.url, { userId: 'a1', name: 'a1', role: 'agency', agencyId: 'ag1' });
  const { secret } = await createEndpoint(node, agencyOwner, { agencyId: 'ag1', url: receiver.url, events: ['order.refunded'] });
  receiver.secret = secret;
  // A shop endpoint of a shop these orders are not in: hears nothing.
  const merchant = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, merchant);
  const shopReceiver = t.add(await startReceiver());
  await createEndpoint(node, merchant, { shopId: shop.id, url: shopReceiver.url, events: ['order.refunded'] });

  await seedOrders(node, 1, { agencyId: 'ag1' }, { idPrefix: 'mine' });
  await seedOrders(node, 1, { agencyId: 'ag2' }, { idPrefix: 'theirs' });
  const db = node.node.ctx.db;
  await db.query(
    `INSERT INTO charges (id, gateway_key, order_id, reference, amount, currency, disposition, charged_at, source)
     SELECT 'ch_' || id, 'gk_' || id, id, id, amount, currency, 'payment', now(), 'worker' FROM orders`,
  );
  // Requested, then succeeded (one event); a refund of another agency's order; a failed refund (no event).
  await db.query(
    `INSERT INTO refunds (id, idempotency_key, charge_id, order_id, amount, currency, reason, status, actor)
     VALUES ('r1', 'k1', 'ch_mine1', 'mine1', 100, 'CNY', 'damaged', 'requested', 'a1'),
            ('r2', 'k2', 'ch_theirs1', 'theirs1', 100, 'CNY', 'damaged', 'succeeded', 'x'),
            ('r3', 'k3', 'ch_mine1', 'mine1', 50, 'CNY', 'damaged', 'failed', 'a1')`,
  );
  await db.query(`UPDATE refunds SET status = 'succeeded' WHERE id = 'r1'`);
  await db.query(`UPDATE refunds SET updated_at = now() WHERE id = 'r1'`); // not a status change: no second event
  await waitFor('the refund delivered', () => receiver.received.length >= 1 || null);
  await waitFor('every event dispatched', async () => {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM webhook_outbox WHERE dispatched_at IS NULL');
    return rows[0].n === 0 || null;
  });
  await waitFor('no delivery pending', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`);
    return rows[0].n === 0 || null;
  });
  expect(receiver.received).toHaveLength(1);
  expect(receiver.received[0]?.verified).toBe(true);
  expect(receiver.received[0]?.json).toMatchObject({ type: 'order.refunded', data: { order: { id: 'mine1', agencyId: 'ag1' } } });
  expect(shopReceiver.received).toHaveLength(0);
});
