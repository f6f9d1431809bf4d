import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { deliver, type ErrorBody, fulfilmentBench, ledgerState, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/** Malformed tracking data and bodies are BAD_REQUEST at the edge and change nothing; so are unauthenticated calls. */
it('refuses malformed carriers, tracking numbers, notes and bodies, changing nothing', async () => {
  const { node } = await fulfilmentBench(t);
  const { token } = await shopWithPaidOrders(node, 'm-bad', 1, 'bad');
  const before = await ledgerState(node, 'bad1');
  const bodies: unknown[] = [
    {},
    { carrier: 'UPS' },
    { trackingNumber: '1Z999AA10123456784' },
    { carrier: '', trackingNumber: '1Z999AA10123456784' },
    { carrier: 'U'.repeat(41), trackingNumber: '1Z999AA10123456784' },
    { carrier: '=cmd|calc', trackingNumber: '1Z999AA10123456784' },
    { carrier: '@SUM(A1)', trackingNumber: '1Z999AA10123456784' },
    { carrier: 'UPS<script>', trackingNumber: '1Z999AA10123456784' },
    { carrier: 'UPS', trackingNumber: 'abc' },
    { carrier: 'UPS', trackingNumber: 'A'.repeat(41) },
    { carrier: 'UPS', trackingNumber: '-1Z999AA1012' },
    { carrier: 'UPS', trackingNumber: '1Z 999 AA1' },
    { carrier: 'UPS', trackingNumber: 12345678 },
    { carrier: 'UPS', trackingNumber: '1Z999AA10123456784', note: 'n'.repeat(201) },
    { carrier: 'UPS', trackingNumber: '1Z999AA10123456784', extra: 1 },
  ];
  for (const body of bodies) {
    const res = await ship(node, token, 'bad1', body as Record<string, unknown>);
    expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, 'BAD_REQUEST']);
  }
  for (const body of [{ note: '' }, { note: 'x'.repeat(201) }, { delivered: true }]) {
    const res = await deliver(node, token, 'bad1', body);
    expect([res.status, res.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  }
  const badId = await ship(node, token, 'not%20an%20id');
  expect([badId.status, badId.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  const anonymous = await api<ErrorBody>(node.url, 'POST', '/api/orders/bad1/ship', undefined, {
    carrier: 'UPS',
    trackingNumber: '1Z999AA1',
  });
  expect(anonymous.status).toBe(401);
  expect(await ledgerState(node, 'bad1')).toEqual(before);
});
