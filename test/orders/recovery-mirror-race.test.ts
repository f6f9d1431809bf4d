import { expect, it } from 'vitest';
import type { PlaceOrderResult } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { inspector, startCommerce } from '../../harness/commerce.ts';
import { schemaFor, testDatabaseUrl } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { openLedger } from '../../server/ledger/index.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { HotStateRecovery } from '../../server/orders/recovery.ts';
import { OrderStore } from '../../server/orders/store.ts';
import { creatorWithShop, poolOf, simpleShopProduct } from '../channels/fixtures.ts';

const t = useTeardown();

// The host-crash drill once ended with an order paid in the ledger but still reserved in Redis: a worker settled it
// while recovery was rebuilding, its mirror moved counters the rebuild then overwrote from an older read, and nothing
// applied it again. Here the worker's step runs at a fixed point inside the rebuild (between the ledger read and the
// counter rewrite), on a real Redis and a real ledger.
it('an order settled while recovery rebuilds the counters ends with its units released in Redis, not stuck as reserved', async () => {
  const { node, sandbox } = await startCommerce(t, { gateway: { outage: true } });
  const { creator, shop } = await creatorWithShop(node);
  const product = await simpleShopProduct(node, creator, shop.id, 10);
  const skuId = product.skus[0]!.id;
  const buyer = await devToken(node.url, { userId: 'race-b1', name: 'b1', role: 'viewer' });
  const placed = await api<PlaceOrderResult>(node.url, 'POST', '/api/orders', buyer, {
    productId: product.id,
    skuId,
    quantity: 2,
    idempotencyKey: 'race-000001',
    channel: 'search',
  });
  expect(placed.status).toBe(201);
  const orderId = placed.body.order.id;
  // The node goes away with the order open (the gateway is down); this test plays the next node's recovery.
  await node.close();
  sandbox.update({ outage: false });

  const log = createLogger('silent');
  const redis = t.add(inspector());
  const ledger = await openLedger({ url: testDatabaseUrl(), schema: schemaFor(node.prefix), poolSize: 4, production: false, log });
  t.defer(() => ledger.close());
  const store = new OrderStore(redis, node.prefix, 60_000);
  const counters = async () => {
    const { left, reserved, sold } = await poolOf(redis, node, product.id, skuId);
    return { left, reserved, sold };
  };
  expect(await counters()).toEqual({ left: 8, reserved: 2, sold: 0 });

  let settledDuringRebuild: unknown = 'not reached';
  const recovery = new HotStateRecovery(redis, ledger.pool, ledger.orders, store, { enqueue: async () => {} }, log, {
    shopStock: null,
    // Called once per SKU after the ledger was read and before the counters are rewritten: a worker fails the order
    // there (ledger first, then its mirror, as every worker does).
    roomsOf: async () => {
      if (settledDuringRebuild !== 'not reached') return [];
      const failed = await ledger.orders.transition(orderId, ['reserved', 'pending_payment'], 'failed', {
        reason: 'declined',
        actor: 'system:test',
      });
      expect(failed?.changed).toBe(true);
      settledDuringRebuild = await store.mirror(failed!.order);
      return [];
    },
  });
  await redis.del(store.keys.fence); // Redis "lost data": the deployment's recovery must run
  const report = await recovery.check();
  expect(report).not.toBeNull();
  // Recovery applied the status once the counters were rebuilt: both units are back, none reserved...
  expect(await counters()).toEqual({ left: 10, reserved: 0, sold: 0 });
  // ...because the worker's mirror left alone the counters the rebuild was about to overwrite.
  expect(settledDuringRebuild).toBeNull();
  expect((await store.get(orderId))?.status).toBe('failed');
  expect(await redis.exists(store.keys.fence)).toBe(1);
});
