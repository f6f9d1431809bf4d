import { expect, inject, it } from 'vitest';
import { orderKeys } from '../../server/orders/store.ts';
import {
  buyersOrder,
  gatewayEnv,
  liveRoomWithProduct,
  saleCounts,
  scheduleSale,
  spawnPaymentWorker,
  startCommerce,
  waitFinal,
} from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a payment worker process SIGKILLed mid-charge: another worker finishes every order and no order is charged twice', async () => {
  // Slow charges so the kill lands while several are in flight; webhooks off, so only workers can settle orders and
  // the second worker has to recover the charges the first one started.
  const { sandbox, node, redis } = await startCommerce(t, {
    gateway: { latencyMs: 600, declineRate: 0.1 },
    env: { PAYMENT_WORKER: 'false' },
  });
  sandbox.update({ webhookUrl: null });
  const { creator, room, product } = await liveRoomWithProduct(node, { stock: 100 });
  const sale = await scheduleSale(node, creator, room.id, product.id, { quantity: 40, perBuyerLimit: 1 });

  const { orderIds } = await buyersOrder(t, node, room.id, sale.id, 30);

  const env = {
    ...gatewayEnv(sandbox),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: node.prefix,
    PAYMENT_LOCK_MS: '1000',
    PAYMENT_WORKER_CONCURRENCY: '8',
    COMMERCE_TICK_MS: '100',
  };
  const first = spawnPaymentWorker(t, env);
  await waitFor('six charges in flight at the gateway', () => sandbox.inFlight >= 6, 30_000, 5);
  first.child.kill('SIGKILL');
  expect((await first.exited)[1]).toBe('SIGKILL');
  const statusAtKill = new Map(
    await Promise.all(orderIds.map(async (id) => [id, await redis.hget(orderKeys(node.prefix).order(id), 'status')] as const)),
  );
  const pendingAtKill = orderIds.filter((id) => statusAtKill.get(id) === 'pending_payment');
  expect(pendingAtKill.length).toBeGreaterThanOrEqual(6);

  const second = spawnPaymentWorker(t, env);
  const orders = await waitFinal(node, creator, orderIds, 60_000);
  second.child.kill('SIGTERM');
  expect((await second.exited)[0], second.output()).toBe(0);

  // Every order is final: paid or declined, nothing stuck or lost.
  expect(orders.every((o) => o.status === 'paid' || o.status === 'failed')).toBe(true);
  // The ledger: at most one record per order; the successful ones are exactly the paid orders, with their charge ids.
  const ledger = sandbox.ledger();
  const perOrder = new Map<string, number>();
  for (const c of ledger) perOrder.set(c.reference, (perOrder.get(c.reference) ?? 0) + 1);
  expect(Math.max(...perOrder.values())).toBe(1);
  const paid = orders.filter((o) => o.status === 'paid');
  const succeeded = new Map(ledger.filter((c) => c.status === 'succeeded').map((c) => [c.reference, c.id]));
  expect(new Map(paid.map((o) => [o.id, o.chargeId]))).toEqual(succeeded);
  // Charges the killed worker started were completed by the gateway and recovered (not repeated) by the second one.
  const recovered = pendingAtKill.filter((id) => succeeded.has(id));
  expect(recovered.length).toBeGreaterThan(0);
  // Stock: sold = paid, declined units back in the sale, nothing reserved.
  expect(await saleCounts(redis, node.prefix, sale.id)).toEqual({
    left: 40 - paid.length,
    reserved: 0,
    sold: paid.length,
    returned: 0,
    quantity: 40,
  });
});
