import { expect, it } from 'vitest';
import type { SandboxSettings } from '../../server/payments/sandbox/config.ts';
import {
  buyersOrder,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  startCommerce,
  waitFinal,
  watchSaleInvariant,
} from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** A live sale of 10 units, 8 buyers ordering one each, with the invariant watched from before the first order. */
async function sellWith(gateway: Partial<SandboxSettings>, env: Record<string, string> = {}) {
  const { sandbox, node, redis } = await startCommerce(t, { gateway, env });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 20 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 10, perBuyerLimit: 1 });
  // Stopped at teardown too, should the test fail midway.
  const watcher = t.add(watchSaleInvariant(redis, node.prefix, sale.id, 1), (w) => w.stop());
  const bought = await buyersOrder(t, node, room.id, sale.id, 8);
  const orders = await waitFinal(node, creator, bought.orderIds, 45_000);
  const { violations, checks } = await watcher.stop();
  expect(violations).toEqual([]);
  expect(checks).toBeGreaterThan(0);
  return { sale, orders, updates: bought.updates, counts: await saleCounts(redis, node.prefix, sale.id), ledger: sandbox.ledger() };
}

it('declined payments fail the orders, tell the buyers, and return every unit to the sale', async () => {
  const { orders, updates, counts, ledger } = await sellWith({ declineRate: 1 });
  expect(orders.map((o) => [o.status, o.failureReason])).toEqual(orders.map(() => ['failed', 'card_declined']));
  expect(counts).toEqual({ left: 10, reserved: 0, sold: 0, returned: 0, quantity: 10 });
  expect(ledger.map((c) => c.status)).toEqual(orders.map(() => 'declined'));
  await waitFor('failed pushes', () => orders.every((o) => updates.some((u) => u.orderId === o.id && u.status === 'failed')));
});

it('charges that time out and were never processed: at the deadline the key is cancelled, orders expire, units return', async () => {
  const { orders, updates, counts, ledger } = await sellWith(
    { timeoutRate: 1, timeoutProcessedRate: 0, hangMs: 600 },
    { PAYMENT_REQUEST_TIMEOUT_MS: '200', ORDER_PAYMENT_WINDOW_MS: '2500', PAYMENT_MAX_ATTEMPTS: '50' },
  );
  expect(orders.map((o) => o.status)).toEqual(orders.map(() => 'expired'));
  expect(counts).toEqual({ left: 10, reserved: 0, sold: 0, returned: 0, quantity: 10 });
  // Nothing was ever charged; each key was closed at the gateway before its order expired.
  expect(ledger.filter((c) => c.status !== 'cancelled')).toEqual([]);
  expect(ledger.map((c) => c.idempotencyKey).sort()).toEqual(orders.map((o) => o.id).sort());
  await waitFor('expired pushes', () => orders.every((o) => updates.some((u) => u.orderId === o.id && u.status === 'expired')));
});

it('charges that time out after the gateway took the money: the retry finds the charge, orders are paid once', async () => {
  const { orders, counts, ledger } = await sellWith(
    { timeoutRate: 1, timeoutProcessedRate: 1, hangMs: 600 },
    { PAYMENT_REQUEST_TIMEOUT_MS: '200', PAYMENT_MAX_ATTEMPTS: '50' },
  );
  expect(orders.map((o) => o.status)).toEqual(orders.map(() => 'paid'));
  expect(counts).toEqual({ left: 2, reserved: 0, sold: 8, returned: 0, quantity: 10 });
  expect(ledger).toHaveLength(8);
  expect(new Map(ledger.map((c) => [c.reference, c.id]))).toEqual(new Map(orders.map((o) => [o.id, o.chargeId])));
});
