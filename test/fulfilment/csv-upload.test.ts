import { expect, it } from 'vitest';
import type { ShipmentsUploadResult } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, fulfilmentBench, ledgerState, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * Bulk shipments by CSV: the good rows are applied, each bad row is reported with its typed error and changes nothing
 * (malformed tracking, a formula cell, a wrong cell count, another shop's order, an unknown order, an unpaid order, an
 * unterminated quote), and the same file again reports the applied rows unchanged.
 */
it('applies the good rows of a shipments CSV and reports each bad row, which changes nothing', async () => {
  const { node } = await fulfilmentBench(t);
  const { token, shop } = await shopWithPaidOrders(node, 'm-csv', 4, 'csv');
  await shopWithPaidOrders(node, 'm-other', 1, 'other');
  await node.node.ctx.db.query(`UPDATE orders SET status = 'failed', charge_id = NULL, paid_at = NULL WHERE id = 'csv4'`);
  const csv = [
    'order_id,carrier,tracking_number',
    'csv1,UPS,1Z999AA10123456784',
    '"csv2","La Poste","6A12345678901"',
    'csv3,DHL,not a tracking number',
    'csv3,=HYPERLINK("http://evil"),AB12345',
    'csv3,DHL',
    'other1,DHL,JD0123456789',
    'nope1,DHL,JD0123456789',
    'csv4,DHL,JD0123456789',
    '',
    'csv1,UPS,1Z999AA10123456784',
    'csv3,"DHL,JD0123',
  ].join('\r\n');
  const res = await api<ShipmentsUploadResult>(node.url, 'POST', `/api/shops/${shop.id}/shipments`, token, { csv });
  expect(res.status).toBe(200);
  expect(res.body.rows.map((r) => [r.row, r.orderId, r.outcome, r.error?.code ?? null])).toEqual([
    [2, 'csv1', 'shipped', null],
    [3, 'csv2', 'shipped', null],
    [4, 'csv3', 'error', 'BAD_REQUEST'],
    [5, 'csv3', 'error', 'BAD_REQUEST'],
    [6, 'csv3', 'error', 'BAD_REQUEST'],
    [7, 'other1', 'error', 'NOT_FOUND'],
    [8, 'nope1', 'error', 'NOT_FOUND'],
    [9, 'csv4', 'error', 'CONFLICT'],
    [11, 'csv1', 'unchanged', null],
    [12, null, 'error', 'BAD_REQUEST'],
  ]);
  expect([res.body.shipped, res.body.unchanged, res.body.failed]).toEqual([2, 1, 7]);
  expect(res.body.rows[3]!.error!.message).toMatch(/formula/);

  expect((await ledgerState(node, 'csv1')).order).toMatchObject({
    fulfilment_status: 'shipped',
    carrier: 'UPS',
    tracking_number: '1Z999AA10123456784',
  });
  expect((await ledgerState(node, 'csv2')).order).toMatchObject({ fulfilment_status: 'shipped', carrier: 'La Poste' });
  for (const id of ['csv3', 'csv4', 'other1']) {
    const s = await ledgerState(node, id);
    expect(s.order).toMatchObject({ fulfilment_status: 'unfulfilled', carrier: null, tracking_number: null });
    expect(s.events).toEqual([]);
  }
  expect((await ledgerState(node, 'csv1')).events).toEqual([{ status: 'shipped', actor: 'm-csv' }]);

  // The same file again: nothing new.
  const again = await api<ShipmentsUploadResult>(node.url, 'POST', `/api/shops/${shop.id}/shipments`, token, { csv });
  expect([again.body.shipped, again.body.unchanged]).toEqual([0, 3]);
  expect((await ledgerState(node, 'csv1')).events).toHaveLength(1);

  // Another merchant may not upload to this shop.
  const { token: other } = await shopWithPaidOrders(node, 'm-intruder', 0, 'x');
  const refused = await api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/shipments`, other, { csv });
  expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
});
