import { expect, it } from 'vitest';
import { HawkerApi, HawkerError } from '../../client-sdk/src/index.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { fulfilmentBench, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * The SDK's fulfilment and order-history methods against a real node: staff ship (one order and by CSV) and deliver,
 * the buyer lists their orders with timelines and reads one order's history; refusals are HawkerErrors with the
 * server's code.
 */
it('ships, delivers, uploads shipments and reads buyer history through HawkerApi', async () => {
  const { node } = await fulfilmentBench(t);
  const { token, shop } = await shopWithPaidOrders(node, 'm-sdk', 3, 'sdk');
  const staff = new HawkerApi(node.url, token);
  // seedOrders gives orders sdk1..3 the buyers buyer1..3 (g % 97).
  const buyer = new HawkerApi(node.url, await tokenAs(node, 'buyer1', 'viewer'));

  const shipped = await staff.shipOrder('sdk1', { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' });
  expect(shipped.fulfilment).toMatchObject({ status: 'shipped', carrier: 'UPS', trackingNumber: '1Z999AA10123456784' });
  const delivered = await staff.deliverOrder('sdk1', { note: 'porch' });
  expect(delivered.fulfilment?.status).toBe('delivered');

  const upload = await staff.uploadShipments(
    shop.id,
    'order_id,carrier,tracking_number\r\nsdk2,DHL,JD0123456789\r\nsdk3,DHL,bad tracking\r\n',
  );
  expect(upload.rows.map((r) => [r.orderId, r.outcome])).toEqual([
    ['sdk2', 'shipped'],
    ['sdk3', 'error'],
  ]);

  const mine = await buyer.listMyOrders({ limit: 10 });
  expect(mine.orders.map((o) => o.id)).toEqual(['sdk1']);
  expect(mine.orders[0]!.timeline!.map((e) => [e.status, e.kind, e.actor])).toEqual([
    ['shipped', 'fulfilment', 'm-sdk'],
    ['delivered', 'fulfilment', 'm-sdk'],
  ]);
  const history = await buyer.orderHistory('sdk1');
  expect(history.events.map((e) => e.reason)).toEqual(['UPS 1Z999AA10123456784', 'porch']);
  expect(history.fulfilment?.status).toBe('delivered');

  const refusals = [
    await buyer.shipOrder('sdk1', { carrier: 'UPS', trackingNumber: 'AB1234' }).catch((e: unknown) => e),
    await staff.shipOrder('sdk3', { carrier: 'UPS', trackingNumber: '#1' }).catch((e: unknown) => e),
    await staff.deliverOrder('sdk3').catch((e: unknown) => e),
  ];
  expect(refusals.map((e) => (e instanceof HawkerError ? e.code : e))).toEqual(['FORBIDDEN', 'BAD_REQUEST', 'CONFLICT']);
});
