import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { LedgerOrders } from '../../server/ledger/index.ts';
import { entries, insertOrder, pay, refund } from './fixtures.ts';

const t = useTeardown();

it('paying an order records each commissioned line as earned, once, in the same transaction; lines without commission record nothing', async () => {
  const node = t.add(await startNode());
  const db = node.node.ctx.db;
  const o = await insertOrder(db, {
    shopId: 'shop1',
    creatorId: 'c1',
    agencyId: 'ag1',
    lines: [
      { unitPrice: 12_345, quantity: 2, rateBps: 1_000 },
      { unitPrice: 999, quantity: 1, rateBps: 2_500 },
    ],
  });
  const own = await insertOrder(db, { shopId: 'shop1', creatorId: 'm1', lines: [{ unitPrice: 5_000, quantity: 1, rateBps: null }] });
  expect(await entries(db, o.id)).toEqual([]); // nothing before payment
  const charge = await pay(db, o.id, o.amount);
  await pay(db, own.id, own.amount);
  expect(await entries(db, o.id)).toEqual([
    { line_no: 1, kind: 'earned', amount: 2_469, refund_id: null },
    { line_no: 2, kind: 'earned', amount: 249, refund_id: null },
  ]);
  expect(await entries(db, own.id)).toEqual([]);
  const { rows } = await db.query(
    `SELECT shop_id, creator_id, agency_id, at = (SELECT paid_at FROM orders WHERE id = $1) AS at_paid FROM commission_entries WHERE order_id = $1`,
    [o.id],
  );
  expect(rows).toEqual([
    { shop_id: 'shop1', creator_id: 'c1', agency_id: 'ag1', at_paid: true },
    { shop_id: 'shop1', creator_id: 'c1', agency_id: 'ag1', at_paid: true },
  ]);
  // The same charge again (webhook after worker), a second charge, and a replayed paid status change add nothing.
  const ledger = new LedgerOrders(db);
  await ledger.markPaid(
    o.id,
    { id: charge, idempotencyKey: o.id, reference: o.id, amount: o.amount, currency: 'CNY', createdAt: Date.now() },
    'webhook',
  );
  const dup = await ledger.markPaid(
    o.id,
    { id: 'ch-dup', idempotencyKey: 'other', reference: o.id, amount: o.amount, currency: 'CNY', createdAt: Date.now() },
    'webhook',
  );
  expect(dup?.disposition).toBe('duplicate');
  await db.query(`UPDATE orders SET updated_at = clock_timestamp() WHERE id = $1`, [o.id]);
  expect(await entries(db, o.id)).toHaveLength(2);
  // A refund of the duplicate charge is not a refund of the order: no reversal.
  await refund(db, o.id, 'ch-dup', o.amount);
  expect(await entries(db, o.id)).toHaveLength(2);
  // An order that fails earns nothing.
  const failed = await insertOrder(db, { shopId: 'shop1', creatorId: 'c1', lines: [{ unitPrice: 1_000, quantity: 1, rateBps: 1_000 }] });
  await ledger.transition(failed.id, ['reserved'], 'failed', { actor: 'test' });
  expect(await entries(db, failed.id)).toEqual([]);
});

it('refunds reverse commission in proportion, cumulatively: partial refunds never over-reverse, a full refund reverses exactly what was earned', async () => {
  const node = t.add(await startNode());
  const db = node.node.ctx.db;
  // 3 x 3,333 = 9,999 at 33.33 %: earned floor(9,999 * 3,333 / 10,000) = 3,332.
  const o = await insertOrder(db, { shopId: 'shop1', creatorId: 'c1', lines: [{ unitPrice: 3_333, quantity: 3, rateBps: 3_333 }] });
  const charge = await pay(db, o.id, o.amount);
  const reversed = async () => (await entries(db, o.id)).filter((e) => e.kind === 'reversed').reduce((s, e) => s + Number(e.amount), 0);
  expect((await entries(db, o.id))[0]).toMatchObject({ kind: 'earned', amount: 3_332 });
  // Refund 1 unit's worth: floor(3,332 * 3,333 / 9,999) = 1,110.
  const r1 = await refund(db, o.id, charge, 3_333);
  expect(await reversed()).toBe(1_110);
  // A tiny refund: cumulative floor(3,332 * 3,334 / 9,999) = 1,110 still: nothing more reversed.
  await refund(db, o.id, charge, 1);
  expect(await reversed()).toBe(1_110);
  // The rest: everything earned is reversed, to the minor unit.
  const r3 = await refund(db, o.id, charge, 9_999 - 3_334);
  expect(await reversed()).toBe(3_332);
  const rows = await entries(db, o.id);
  expect(rows.filter((e) => e.kind === 'reversed').map((e) => e.refund_id)).toEqual([r1, r3]);
  // The trigger is idempotent: marking a succeeded refund succeeded again adds nothing.
  await db.query(`UPDATE refunds SET status = 'succeeded' WHERE id = $1`, [r3]);
  expect(await entries(db, o.id)).toHaveLength(rows.length);
});

it('concurrent refunds of one order together reverse exactly what was earned, never more', async () => {
  const node = t.add(await startNode());
  const db = node.node.ctx.db;
  for (let round = 0; round < 5; round++) {
    const o = await insertOrder(db, {
      shopId: 'shop1',
      creatorId: 'c1',
      lines: [
        { unitPrice: 777, quantity: 7, rateBps: 1_234 },
        { unitPrice: 1_001, quantity: 3, rateBps: 8_000 },
      ],
    });
    const charge = await pay(db, o.id, o.amount);
    const parts = [Math.floor(o.amount / 3), Math.floor(o.amount / 3)];
    parts.push(o.amount - parts[0]! - parts[1]!);
    await Promise.all(parts.map((a) => refund(db, o.id, charge, a)));
    const { rows } = await db.query<{ line_no: number; earned: number; reversed: number }>(
      `SELECT line_no, sum(amount) FILTER (WHERE kind = 'earned')::int AS earned, coalesce(sum(amount) FILTER (WHERE kind = 'reversed'), 0)::int AS reversed
       FROM commission_entries WHERE order_id = $1 GROUP BY line_no ORDER BY line_no`,
      [o.id],
    );
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.reversed).toBe(r.earned);
  }
});
