import { expect, it } from 'vitest';
import type { MerchantAuditPage } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { paidOrder, refund, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * Every money action is in the shop's merchant audit trail with who did it: a refund requested (by the merchant) and
 * succeeded (settled by the system for them), a buyer's request and its rejection (the staff cancel's entry:
 * staff-cancel.test.ts). The reader
 * (GET /api/merchant-audit) serves the shop's owner and admins, newest first, paged, filtered by action and time;
 * the shop's staff may not read it.
 */
it('money actions are audited with their actor, and the reader pages and filters them', async () => {
  const { node, merchant, staff, shop, product, buyer } = await refundBench(t);
  const paid = await paidOrder(node, buyer, product, 2, 'audit-1');
  const t0 = Date.now();
  await refund(node, merchant, paid.id, { idempotencyKey: 'au-1', reason: 'dented tin', quantity: 1 });
  const req = await api<{ id: string }>(node.url, 'POST', `/api/orders/${paid.id}/refund-requests`, buyer, { reason: 'the other one too' });
  await api(node.url, 'POST', `/api/refund-requests/${req.body.id}/reject`, merchant, { reason: 'it is fine' });

  const read = (query: string, token = merchant) =>
    api<MerchantAuditPage>(node.url, 'GET', `/api/merchant-audit?shopId=${shop.id}${query}`, token);
  const all = await read('');
  expect(all.status).toBe(200);
  const expected = [
    ['refund_request.rejected', 'm1'],
    ['refund_request.created', 'b1'],
    ['refund.succeeded', 'system:refunds'],
    ['refund.requested', 'm1'],
  ];
  expect(all.body.entries.map((e) => [e.action, e.actor])).toEqual(expected);
  expect(all.body.entries.every((e) => e.scope === 'shop' && e.scopeId === shop.id)).toBe(true);
  expect(all.body.entries.find((e) => e.action === 'refund.succeeded')?.details).toMatchObject({
    orderId: paid.id,
    amount: product.skus[0]!.price,
    quantity: 1,
    requestedBy: 'm1',
  });

  // Paged, newest first: two pages of two and one of the rest give the same entries in the same order.
  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: MerchantAuditPage } = await read(`&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(...page.body.entries.map((e) => e.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(pages).toEqual(all.body.entries.map((e) => e.id));

  // By action, and by time: nothing before the first refund.
  expect((await read('&action=refund.succeeded')).body.entries.map((e) => e.action)).toEqual(['refund.succeeded']);
  expect((await read(`&to=${t0 - 1}`)).body.entries).toEqual([]);
  expect((await read(`&from=${t0 - 1}`)).body.entries).toHaveLength(expected.length);

  // Who may read: the owner and admins; not the staff.
  expect((await read('', staff)).status).toBe(403);
  const admin = await devToken(node.url, { userId: 'root', name: 'root', role: 'admin' });
  expect((await read('', admin)).body.entries).toHaveLength(expected.length);
});
