import { expect, it } from 'vitest';
import { skuCounts } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { paidOrder, refund, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * A refund with restock returns its units to the shop SKU's one stock once it succeeded: the durable total in
 * PostgreSQL (stock_adjusted) and the Redis pool (left and total) both grow by the units, once, whatever the replays;
 * a refund without restock leaves the stock alone (the units are gone with the buyer).
 */
it('a refund with restock returns the units to the shop pool, in PostgreSQL and in Redis', async () => {
  const { node, redis, merchant, product, buyer } = await refundBench(t, { stock: 20 });
  const skuId = product.skus[0]!.id;
  const durable = async () =>
    (
      await node.node.ctx.db.query<{ adjusted: number; total: number }>(
        `SELECT stock_adjusted AS adjusted, initial_stock + stock_adjusted AS total FROM shop_skus WHERE id = $1`,
        [skuId],
      )
    ).rows[0]!;
  const order = await paidOrder(node, buyer, product, 5, 'restock-1');
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ left: 15, sold: 5, total: 20 });

  const body = { idempotencyKey: 'rs-1', reason: 'returned unopened', quantity: 2, restock: true };
  const res = await refund(node, merchant, order.id, body);
  expect(res.body.refund).toMatchObject({ status: 'succeeded', quantity: 2, restock: true, restocked: true });
  expect(await durable()).toEqual({ adjusted: 2, total: 22 });
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ left: 17, sold: 5, total: 22 });

  // A replay restocks nothing more.
  expect((await refund(node, merchant, order.id, body)).body.replayed).toBe(true);
  expect(await durable()).toEqual({ adjusted: 2, total: 22 });

  // Without restock: money back, stock unchanged.
  const kept = await refund(node, merchant, order.id, { idempotencyKey: 'rs-2', reason: 'opened', quantity: 1 });
  expect(kept.body.refund).toMatchObject({ status: 'succeeded', restock: false, restocked: false });
  expect(await durable()).toEqual({ adjusted: 2, total: 22 });
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ left: 17, total: 22 });
});
