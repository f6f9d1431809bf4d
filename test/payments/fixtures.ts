/** What the payment-path tests share: a commerce node whose payments only the test moves, and the parts it drives. */
import pg from 'pg';
import { inject } from 'vitest';
import { GATEWAY_KEY, liveRoomWithProduct, startCommerce } from '../../harness/commerce.ts';
import { schemaFor } from '../../harness/node.ts';
import type { Teardown } from '../../harness/teardown.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { countStatements } from '../../server/ledger/db.ts';
import { LedgerOrders } from '../../server/ledger/index.ts';
import { OrderStore, type PoolRef } from '../../server/orders/store.ts';
import { HttpPaymentGateway } from '../../server/payments/gateway.ts';
import { PaymentProcessor } from '../../server/payments/processor.ts';

/**
 * A node without a payment worker and a sandbox gateway without webhooks, a live room with a product of `stock` units,
 * and the test's own ledger (on a pool of `poolMax` connections whose statements are counted), order store, gateway
 * client and payment processor: the processor is the only thing moving the orders, so every statement on the pool is
 * the order path's. `reserve(key)` reserves one unit for buyer `b-<key>` as order:place does.
 */
export async function paymentPath(t: Teardown, o: { stock: number; poolMax: number }) {
  const { sandbox, node, redis } = await startCommerce(t, { env: { PAYMENT_WORKER: 'false' } });
  sandbox.update({ webhookUrl: null });
  const { room, product } = await liveRoomWithProduct(node, { stock: o.stock });
  const db = t.add(
    new pg.Pool({ connectionString: inject('databaseUrl'), options: `-c search_path=${schemaFor(node.prefix)}`, max: o.poolMax }),
    (p) => p.end(),
  );
  const statements = countStatements(db);
  const ledger = new LedgerOrders(db);
  const store = new OrderStore(redis, node.prefix, 60_000);
  const gateway = t.add(new HttpPaymentGateway({ baseUrl: sandbox.url, apiKey: GATEWAY_KEY, timeoutMs: 5_000 }), (g) => g.close());
  const processor = new PaymentProcessor(ledger, store, gateway, createLogger('silent'));
  const pool: PoolRef = { kind: 'sku', productId: product.id, skuId: 'std' };
  const reserve = async (key: string) =>
    (
      await store.reserve({
        buyerId: `b-${key}`,
        roomId: room.id,
        agencyId: room.agencyId,
        pool,
        quantity: 1,
        idempotencyKey: key,
      })
    ).order;
  return { sandbox, node, redis, room, product, db, statements, ledger, store, gateway, processor, pool, reserve };
}
