import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, fulfilmentBench, ledgerState, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * A shipments upload past FULFILMENT_CSV_MAX_BYTES or FULFILMENT_CSV_MAX_ROWS is refused whole (QUOTA_EXCEEDED naming
 * the limit) before any row is applied; a file without the header, an empty one or a malformed body are BAD_REQUEST.
 */
it('refuses an oversize or overlong shipments CSV, and one without its header, changing nothing', async () => {
  const { node } = await fulfilmentBench(t, { FULFILMENT_CSV_MAX_BYTES: '400', FULFILMENT_CSV_MAX_ROWS: '3' });
  const { token, shop } = await shopWithPaidOrders(node, 'm-lim', 5, 'lim');
  const upload = (body: unknown) => api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/shipments`, token, body);
  const rows = (n: number) => Array.from({ length: n }, (_, i) => `lim${i + 1},UPS,1Z99900000000${i}`);

  const tooMany = await upload({ csv: ['order_id,carrier,tracking_number', ...rows(4)].join('\n') });
  expect([tooMany.status, tooMany.body.error.code, tooMany.body.error.details]).toEqual([
    429,
    'QUOTA_EXCEEDED',
    { limit: 'FULFILMENT_CSV_MAX_ROWS', max: 3 },
  ]);

  const big = `order_id,carrier,tracking_number\n${rows(1)[0]}\n${' '.repeat(400)}`;
  const tooBig = await upload({ csv: big });
  expect([tooBig.body.error.code, tooBig.body.error.details]).toEqual(['QUOTA_EXCEEDED', { limit: 'FULFILMENT_CSV_MAX_BYTES', max: 400 }]);

  const noHeader = await upload({ csv: rows(2).join('\n') });
  expect([noHeader.status, noHeader.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  const onlyHeader = await upload({ csv: 'order_id,carrier,tracking_number\n' });
  expect([onlyHeader.status, onlyHeader.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  for (const body of [{}, { csv: '' }, { csv: 42 }, { csv: 'x', extra: true }]) {
    const bad = await upload(body);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  }
  const noShop = await api<ErrorBody>(node.url, 'POST', '/api/shops/no-such-shop/shipments', token, {
    csv: 'order_id,carrier,tracking_number\n',
  });
  expect([noShop.status, noShop.body.error.code]).toEqual([404, 'NOT_FOUND']);

  for (let i = 1; i <= 5; i++) {
    const s = await ledgerState(node, `lim${i}`);
    expect(s.order.fulfilment_status).toBe('unfulfilled');
    expect(s.events).toEqual([]);
  }
});
