import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { LedgerOrders } from '../../server/ledger/index.ts';
import { OrderStore, type PoolRef } from '../../server/orders/store.ts';
import { bullPrefix } from '../../server/payments/queue.ts';
import type { PlaceOrderResult } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { joinedViewer, liveRoomWithProduct, saleCounts, scheduleSale, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { schemaFor, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('an order committed by a process that died before queuing its payment is queued by the supervisor and paid', async () => {
  const { sandbox, node, redis } = await startCommerce(t);
  const { creator, room, product } = await liveRoomWithProduct(node);
  const sale = await scheduleSale(node, creator, room.id, product.id);
  // What order:place does up to the ledger commit (reserve in Redis, record the row), then the "process" stops before
  // queuing the job: the ledger row is the outbox the supervisor relays from.
  const store = new OrderStore(redis, node.prefix, 60_000);
  const pool: PoolRef = { kind: 'sale', saleId: sale.id, productId: product.id, skuId: 'std' };
  const { order } = await store.reserve({
    buyerId: 'v1',
    roomId: room.id,
    agencyId: room.agencyId,
    pool,
    quantity: 1,
    idempotencyKey: 'orphan-order-1',
  });
  const db = t.add(
    new pg.Pool({ connectionString: inject('databaseUrl'), options: `-c search_path=${schemaFor(node.prefix)}`, max: 1 }),
    (p) => p.end(),
  );
  const recorded = await new LedgerOrders(db).record({ ...order, fingerprint: store.fingerprint(pool, 1) });
  expect(recorded.kind).toBe('recorded');
  expect(await redis.exists(`${bullPrefix(node.prefix)}:payments:${order.id}`)).toBe(0);

  const [final] = await waitFinal(node, creator, [order.id]);
  expect(final!.status).toBe('paid');
  expect(sandbox.ledger().map((c) => [c.reference, c.status])).toEqual([[order.id, 'succeeded']]);
  expect(await saleCounts(redis, node.prefix, sale.id)).toMatchObject({ left: 9, reserved: 0, sold: 1 });
});

it('a payment job that gave up during a gateway outage is re-run after the deadline and settles its order', async () => {
  const { sandbox, node, redis } = await startCommerce(t, {
    gateway: { outage: true },
    env: { PAYMENT_MAX_ATTEMPTS: '2', ORDER_PAYMENT_WINDOW_MS: '1500', PAYMENT_LOCK_MS: '1000' },
  });
  const { creator, room, product } = await liveRoomWithProduct(node);
  const sale = await scheduleSale(node, creator, room.id, product.id);
  const store = new OrderStore(redis, node.prefix, 1_500);
  const v1 = await joinedViewer(t, node, room.id, { userId: 'v1' });
  const { order } = ok(
    await call(v1.socket, 'order:place', { roomId: room.id, saleId: sale.id, quantity: 1, idempotencyKey: 'outage-order-1' }),
  ) as PlaceOrderResult;

  // Both attempts (and the last attempt's cancel) hit the outage: the job fails with the order still paying.
  const failedJobs = `${bullPrefix(node.prefix)}:payments:failed`;
  await waitFor('the payment job to fail', async () => (await redis.zscore(failedJobs, order.id)) !== null, 20_000);
  expect((await store.get(order.id))!.status).toBe('pending_payment');
  expect(await saleCounts(redis, node.prefix, sale.id)).toMatchObject({ left: 9, reserved: 1 });

  // The gateway recovers; past the deadline the supervisor re-runs the job, which cancels the key and expires the order.
  sandbox.update({ outage: false });
  const [final] = await waitFinal(node, creator, [order.id], 30_000);
  expect(final).toMatchObject({ status: 'expired', failureReason: 'payment window elapsed' });
  expect(sandbox.ledger().map((c) => [c.idempotencyKey, c.status])).toEqual([[order.id, 'cancelled']]);
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({ left: 10, reserved: 0, sold: 0, returned: 0, quantity: 10 });
});
