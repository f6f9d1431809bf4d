import { expect, it } from 'vitest';
import type { PlaceOrderResult, Settlement } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { room, select } from '../channels/fixtures.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';
import { refund } from './fixtures.ts';

const t = useTeardown();

/**
 * End to end (the selection path of test/channels/commission-end-to-end.test.ts, then refunds): a merchant's product
 * at 10 % sells 3 units in a creator's live; the merchant refunds 1 unit, then an amount, then the rest. Each refund
 * that succeeds reverses the creator's commission in proportion to what is refunded so far (the ledger's trigger of
 * migration 0004), and the creator's settlement shows it.
 */
it("refunds reverse the creator's commission in proportion, end to end", async () => {
  const { node } = await startCommerce(t);
  const merchant = await tokenAs(node, 'm-rev', 'merchant');
  const shop = await openShop(node, merchant, { name: 'Tea House', currency: 'CNY' });
  const product = await addProduct(
    node,
    merchant,
    shop.id,
    simpleProduct({ title: 'Oolong', skus: [{ values: [], code: 'OOL', price: 10_000, stock: 30 }] }),
  );
  expect((await api(node.url, 'PUT', `/api/products/${product.id}/selection-plan`, merchant, { rateBps: 1_000 })).status).toBe(200);
  const creator = await devToken(node.url, { userId: 'c-rev', name: 'Creator', role: 'creator' });
  const r = await room(node, creator);
  await select(node, creator, r.id, product.id);
  const v = await joinedViewer(t, node, r.id, { userId: 'v-rev' });
  const placed = ok(
    await call(v.socket, 'order:place', {
      roomId: r.id,
      productId: product.id,
      skuId: product.skus[0]!.id,
      quantity: 3,
      idempotencyKey: 'rev-order-1',
    }),
  ) as PlaceOrderResult;
  const [paid] = await waitFinal(node, v.token, [placed.order.id]);
  expect(paid!.status).toBe('paid');
  const db = node.node.ctx.db;
  const entries = async () =>
    (
      await db.query<{ kind: string; amount: number }>(`SELECT kind, amount::int FROM commission_entries WHERE order_id = $1 ORDER BY id`, [
        paid!.id,
      ])
    ).rows;
  expect(await entries()).toEqual([{ kind: 'earned', amount: 3_000 }]);

  // 1 of 3 units (10,000 of 30,000): a third of 3,000 reversed.
  expect((await refund(node, merchant, paid!.id, { idempotencyKey: 'rev-1', reason: 'broken', quantity: 1 })).body.refund.status).toBe(
    'succeeded',
  );
  expect(await entries()).toEqual([
    { kind: 'earned', amount: 3_000 },
    { kind: 'reversed', amount: 1_000 },
  ]);
  // 5,000 more (15,000 of 30,000 in all): half reversed so far.
  await refund(node, merchant, paid!.id, { idempotencyKey: 'rev-2', reason: 'late', amount: 5_000 });
  expect((await entries()).slice(2)).toEqual([{ kind: 'reversed', amount: 500 }]);
  // The rest: everything earned is reversed, never more.
  await refund(node, merchant, paid!.id, { idempotencyKey: 'rev-3', reason: 'returned', full: true });
  const all = await entries();
  expect(all.slice(3)).toEqual([{ kind: 'reversed', amount: 1_500 }]);
  expect(all.filter((e) => e.kind === 'reversed').reduce((s, e) => s + e.amount, 0)).toBe(3_000);

  const from = Date.now() - 3_600_000;
  const to = Date.now() + 60_000;
  const statement = await api<Settlement>(node.url, 'GET', `/api/settlements/creator/c-rev?from=${from}&to=${to}`, creator);
  expect(statement.body.totals).toEqual([expect.objectContaining({ currency: 'CNY', commissionEarned: 3_000, commissionReversed: 3_000 })]);
});
