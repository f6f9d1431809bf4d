import { expect, it } from 'vitest';
import { MAX_SKU_STOCK } from '@hawker/protocol';
import { skuCounts } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { paidOrder, refund, refundBench } from './fixtures.ts';

const t = useTeardown();

/**
 * A SKU created at the stock cap (MAX_SKU_STOCK) cannot take returned units: the refund still succeeds, the restock is
 * dropped (recorded in the audit trail, not retried forever), and neither PostgreSQL nor Redis goes past the cap.
 */
it('a restock past the SKU stock cap is dropped and audited; the refund stands', async () => {
  const { node, redis, merchant, shop, product, buyer } = await refundBench(t, { stock: MAX_SKU_STOCK });
  const skuId = product.skus[0]!.id;
  const order = await paidOrder(node, buyer, product, 2, 'cap-1');
  const res = await refund(node, merchant, order.id, { idempotencyKey: 'cap', reason: 'returned', quantity: 2, restock: true });
  expect(res.body.refund).toMatchObject({ status: 'succeeded', restock: false, restocked: false });
  const { rows } = await node.node.ctx.db.query(`SELECT stock_adjusted FROM shop_skus WHERE id = $1`, [skuId]);
  expect(rows).toEqual([{ stock_adjusted: 0 }]);
  expect(await skuCounts(redis, node.prefix, product.id, skuId)).toMatchObject({ total: MAX_SKU_STOCK, sold: 2 });
  const audit = await node.node.ctx.db.query(
    `SELECT actor, details->>'refundId' AS refund FROM merchant_audit WHERE scope_id = $1 AND action = $2`,
    [shop.id, 'refund.restock_dropped'],
  );
  expect(audit.rows).toEqual([{ actor: 'system:refunds', refund: res.body.refund.id }]);
});
