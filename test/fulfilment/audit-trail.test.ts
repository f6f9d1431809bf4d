import { expect, it } from 'vitest';
import type { MerchantAuditPage } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { deliver, fulfilmentBench, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * Staff fulfilment steps are in the shop's merchant audit trail (GET /api/merchant-audit), written in the step's own
 * statement: who shipped (with carrier and tracking number) and who delivered, once each. A refused or repeated step
 * adds no entry, and another shop's trail does not show them.
 */
it("shipping and delivering write the shop's audit trail once, with the staff member and the carrier", async () => {
  const { node } = await fulfilmentBench(t);
  const { token: owner, shop } = await shopWithPaidOrders(node, 'm-aud', 2, 'aud');
  expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st-aud`, owner)).status).toBe(200);
  const staff = await tokenAs(node, 'st-aud', 'viewer');
  const { token: other, shop: otherShop } = await shopWithPaidOrders(node, 'm-aud-other', 0, 'none');
  const trail = async (shopId: string, token: string) =>
    (await api<MerchantAuditPage>(node.url, 'GET', `/api/merchant-audit?shopId=${shopId}`, token)).body.entries.filter((e) =>
      e.action.startsWith('order.'),
    );

  expect((await ship(node, staff, 'aud1', { carrier: 'Yodel', trackingNumber: 'JJD0001234', note: 'fragile' })).status).toBe(200);
  // A second ship of the same order and a delivery of an unshipped one are refused and write nothing.
  expect((await ship(node, staff, 'aud1', { carrier: 'DHL', trackingNumber: '1Z999AA10123456784' })).status).toBe(409);
  expect((await deliver(node, owner, 'aud2', {})).status).toBe(409);
  expect((await deliver(node, owner, 'aud1', { note: 'signed by J. Doe' })).status).toBe(200);

  const entries = await trail(shop.id, owner);
  expect(
    entries.map((e) => ({ action: e.action, actor: e.actor, target: e.target, scope: e.scope, scopeId: e.scopeId, details: e.details })),
  ).toEqual([
    { action: 'order.delivered', actor: 'm-aud', target: 'aud1', scope: 'shop', scopeId: shop.id, details: { reason: 'signed by J. Doe' } },
    {
      action: 'order.shipped',
      actor: 'st-aud',
      target: 'aud1',
      scope: 'shop',
      scopeId: shop.id,
      details: { carrier: 'Yodel', trackingNumber: 'JJD0001234', reason: 'Yodel JJD0001234: fragile' },
    },
  ]);
  // The entry's time is the step's time.
  const { rows } = await node.node.ctx.db.query('SELECT shipped_at, delivered_at FROM orders WHERE id = $1', ['aud1']);
  expect(entries.map((e) => e.at)).toEqual([rows[0].delivered_at.getTime(), rows[0].shipped_at.getTime()]);
  // Filtered by action, and invisible from another shop.
  const shipped = await api<MerchantAuditPage>(node.url, 'GET', `/api/merchant-audit?shopId=${shop.id}&action=order.shipped`, owner);
  expect(shipped.body.entries.map((e) => e.target)).toEqual(['aud1']);
  expect(await trail(otherShop.id, other)).toEqual([]);
});
