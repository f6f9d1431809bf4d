import { expect, it } from 'vitest';
import type { PlaceOrderResult, Settlement } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, startCommerce, waitFinal } from '../../harness/commerce.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { addProduct, openShop, simpleProduct, tokenAs } from '../shops/fixtures.ts';
import { type ErrorBody, room, select } from './fixtures.ts';

const t = useTeardown();

/**
 * The whole selection path on one node, through the real wiring (server/domains.ts gives the catalog and orders
 * selection's terms): a merchant opens a product at 10 %, a creator selects it into their live, a viewer buys, the
 * sandbox gateway charges, and the commission is fixed on the line, earned in the ledger when paid, and in the
 * creator's settlement statement; a product the merchant did not open cannot be selected.
 */
it("a merchant's open product sells in a creator's live at the plan's rate, earned when paid and settled to the creator", async () => {
  const { node } = await startCommerce(t);
  const merchant = await tokenAs(node, 'm-e2e', 'merchant');
  const shop = await openShop(node, merchant, { name: 'Tea House', currency: 'CNY' });
  const open = await addProduct(
    node,
    merchant,
    shop.id,
    simpleProduct({ title: 'Oolong', skus: [{ values: [], code: 'OOL', price: 10_000, stock: 30 }] }),
  );
  const closed = await addProduct(
    node,
    merchant,
    shop.id,
    simpleProduct({ title: 'Puer', skus: [{ values: [], code: 'PUE', price: 9_000, stock: 30 }] }),
  );
  expect((await api(node.url, 'PUT', `/api/products/${open.id}/selection-plan`, merchant, { rateBps: 1_000 })).status).toBe(200);

  const creator = await devToken(node.url, { userId: 'c-e2e', name: 'Creator', role: 'creator' });
  const r = await room(node, creator);
  const refused = await api<ErrorBody>(node.url, 'POST', `/api/rooms/${r.id}/selection`, creator, { productId: closed.id });
  expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
  await select(node, creator, r.id, open.id);

  const v = await joinedViewer(t, node, r.id, { userId: 'v-e2e' });
  const placed = ok(
    await call(v.socket, 'order:place', {
      roomId: r.id,
      productId: open.id,
      skuId: open.skus[0]!.id,
      quantity: 3,
      idempotencyKey: 'e2e-order-1',
    }),
  ) as PlaceOrderResult;
  expect(placed.order).toMatchObject({ channel: 'live', shopId: shop.id, creatorId: 'c-e2e', amount: 30_000 });
  const [final] = await waitFinal(node, v.token, [placed.order.id]);
  expect(final!.status).toBe('paid');

  const db = node.node.ctx.db;
  const line = await db.query(`SELECT commission_rate_bps, commission_amount::int FROM order_lines WHERE order_id = $1`, [placed.order.id]);
  expect(line.rows).toEqual([{ commission_rate_bps: 1_000, commission_amount: 3_000 }]);
  const entries = await waitFor('commission earned', async () => {
    const { rows } = await db.query(`SELECT kind, amount::int, creator_id FROM commission_entries WHERE order_id = $1`, [placed.order.id]);
    return rows.length ? rows : undefined;
  });
  expect(entries).toEqual([{ kind: 'earned', amount: 3_000, creator_id: 'c-e2e' }]);

  const from = Date.now() - 3_600_000;
  const to = Date.now() + 60_000;
  const statement = await api<Settlement>(node.url, 'GET', `/api/settlements/creator/c-e2e?from=${from}&to=${to}`, creator);
  expect(statement.status).toBe(200);
  expect(statement.body.totals).toEqual([expect.objectContaining({ currency: 'CNY', commissionEarned: 3_000, commissionReversed: 0 })]);
});
