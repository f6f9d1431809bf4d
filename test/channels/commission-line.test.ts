import { expect, it } from 'vitest';
import { LedgerOrders } from '../../server/ledger/orders.ts';
import { commissionAmount } from '../../server/selection/terms.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('an order line records the commission rate fixed at placement and its amount, rounded down, as the ledger checks it', async () => {
  const node = t.add(await startNode());
  const ledger = new LedgerOrders(node.node.ctx.db);
  const base = {
    buyerId: 'b1',
    fingerprint: 'sku:p1:k1|3',
    roomId: 'r1',
    agencyId: 'ag1',
    poolKind: 'sku' as const,
    productId: 'p1',
    skuId: 'k1',
    saleId: null,
    title: 'Scarf',
    quantity: 3,
    unitPrice: 999,
    currency: 'USD',
    createdAt: Date.now(),
    deadline: Date.now() + 60_000,
    channel: 'live' as const,
    shopId: 's1',
    creatorId: 'c1',
  };
  const line = {
    productVersion: 4,
    skuCode: 'SC-1',
    options: ['Red', 'M'],
    imageUrl: 'https://img.example.com/a.jpg',
    creatorId: 'c1',
    agencyId: 'ag1',
  };
  const a = await ledger.record({ ...base, id: 'o1', idempotencyKey: 'key-0001', line: { ...line, commissionRateBps: 1_234 } });
  const b = await ledger.record({ ...base, id: 'o2', idempotencyKey: 'key-0002', line: { ...line, commissionRateBps: null } });
  const c = await ledger.record({
    ...base,
    id: 'o3',
    idempotencyKey: 'key-0003',
    roomId: null,
    channel: 'storefront',
    creatorId: null,
    line: { ...line, creatorId: null, agencyId: null, commissionRateBps: null },
  });
  expect([a.kind, b.kind, c.kind]).toEqual(['recorded', 'recorded', 'recorded']);
  const { rows } = await node.node.ctx.db.query(
    `SELECT o.id, o.channel, o.room_id, l.commission_rate_bps, l.commission_amount::int, l.product_version, l.options
     FROM orders o JOIN order_lines l ON l.order_id = o.id ORDER BY o.id`,
  );
  // 2,997 x 12.34 % = 369.83 -> 369.
  expect(commissionAmount(2_997, 1_234)).toBe(369);
  expect(rows).toEqual([
    {
      id: 'o1',
      channel: 'live',
      room_id: 'r1',
      commission_rate_bps: 1_234,
      commission_amount: 369,
      product_version: 4,
      options: ['Red', 'M'],
    },
    {
      id: 'o2',
      channel: 'live',
      room_id: 'r1',
      commission_rate_bps: null,
      commission_amount: 0,
      product_version: 4,
      options: ['Red', 'M'],
    },
    {
      id: 'o3',
      channel: 'storefront',
      room_id: null,
      commission_rate_bps: null,
      commission_amount: 0,
      product_version: 4,
      options: ['Red', 'M'],
    },
  ]);
  // The wire order of a storefront order has no room; the ledger reads it back as written.
  expect(await ledger.get('o3')).toMatchObject({ roomId: null, channel: 'storefront', shopId: 's1', creatorId: null });
  // A live order without a room is impossible (orders_live_has_room).
  await expect(ledger.record({ ...base, id: 'o4', idempotencyKey: 'key-0004', roomId: null })).rejects.toThrow(/orders_live_has_room/);
});
