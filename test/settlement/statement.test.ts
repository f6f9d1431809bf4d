import { expect, it } from 'vitest';
import type { Settlement } from '@hawker/protocol';
import { devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { merchantWith, ok, tokenAs } from '../selection/fixtures.ts';
import { insertOrder, pay, refund } from './fixtures.ts';

const t = useTeardown();
const DAY = 86_400_000;

/** RFC 4180 records (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += ch;
  }
  if (cell || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

it("a month's statements (JSON and CSV) for a shop, a creator and an agency add up to the ledger to the minor unit", async () => {
  const node = t.add(await startNode());
  const db = node.node.ctx.db;
  const { merchant, shop } = await merchantWith(node, 'm1', 0);
  const other = await merchantWith(node, 'm2', 0);
  const orders: { id: string; amount: number; charge: string }[] = [];
  const place = async (spec: Parameters<typeof insertOrder>[1], currency = 'CNY') => {
    const o = await insertOrder(db, { currency, ...spec });
    const charge = await pay(db, o.id, o.amount, currency);
    orders.push({ ...o, charge });
    return { ...o, charge };
  };
  // c1 (agency ag1) sells for shop 1 and for shop 2 (in USD); m1 sells their own; c2 without agency.
  const a = await place({
    shopId: shop.id,
    creatorId: 'c1',
    agencyId: 'ag1',
    channel: 'live',
    lines: [{ unitPrice: 12_900, quantity: 3, rateBps: 1_500, title: 'Jade "A", green\nbig' }],
  });
  const b = await place({
    shopId: shop.id,
    creatorId: 'c1',
    agencyId: 'ag1',
    lines: [
      { unitPrice: 3_333, quantity: 1, rateBps: 3_333 },
      { unitPrice: 4_999, quantity: 2, rateBps: 3_333, title: '=SUM(A1)' },
    ],
  });
  await place({ shopId: shop.id, creatorId: 'm1', lines: [{ unitPrice: 8_800, quantity: 1, rateBps: null }] });
  await place({ shopId: shop.id, creatorId: 'c2', channel: 'search', lines: [{ unitPrice: 199, quantity: 7, rateBps: 800 }] });
  await place(
    { shopId: other.shop.id, creatorId: 'c1', agencyId: 'ag1', lines: [{ unitPrice: 2_500, quantity: 2, rateBps: 2_000 }] },
    'USD',
  );
  await refund(db, a.id, a.charge, 12_900); // one of three units
  await refund(db, b.id, b.charge, 1_000); // a partial refund of a two-line order
  await refund(db, b.id, b.charge, 2_000);
  // An order paid before the period and one not paid at all are not in it.
  const old = await place({
    shopId: shop.id,
    creatorId: 'c1',
    agencyId: 'ag1',
    lines: [{ unitPrice: 1_000, quantity: 1, rateBps: 1_000 }],
  });
  await db.query(`UPDATE orders SET paid_at = paid_at - interval '40 days' WHERE id = $1`, [old.id]);
  await insertOrder(db, { shopId: shop.id, creatorId: 'c1', lines: [{ unitPrice: 1_000, quantity: 1, rateBps: 1_000 }] });

  const now = Date.now();
  const from = now - 15 * DAY;
  const to = now + 15 * DAY;
  const c1 = await tokenAs(node, 'c1', 'creator');
  const agencyOwner = await devToken(node.url, { userId: 'owner1', name: 'owner1', role: 'agency', agencyId: 'ag1' });
  const parties: [string, string, string, string][] = [
    ['merchant', shop.id, merchant, 'l.shop_id'],
    ['creator', 'c1', c1, 'l.creator_id'],
    ['agency', 'ag1', agencyOwner, 'l.agency_id'],
  ];
  for (const [party, id, token, column] of parties) {
    // What the ledger says, summed straight from its tables.
    const { rows: truth } = await db.query(
      `SELECT o.currency, count(*)::int AS lines, sum(l.quantity)::int AS quantity, sum(l.amount)::bigint AS amount,
              coalesce(sum((SELECT sum(amount) FROM commission_entries e WHERE e.order_id = l.order_id AND e.line_no = l.line_no AND kind = 'earned')), 0)::bigint AS earned,
              coalesce(sum((SELECT sum(amount) FROM commission_entries e WHERE e.order_id = l.order_id AND e.line_no = l.line_no AND kind = 'reversed')), 0)::bigint AS reversed
       FROM order_lines l JOIN orders o ON o.id = l.order_id
       WHERE ${column} = $1 AND o.status = 'paid' AND o.paid_at >= $2 AND o.paid_at < $3 GROUP BY o.currency ORDER BY o.currency`,
      [id, new Date(from), new Date(to)],
    );
    const { rows: refunds } = await db.query(
      `SELECT o.currency, coalesce(sum(r.amount), 0)::bigint AS refunded FROM refunds r JOIN orders o ON o.id = r.order_id AND o.charge_id = r.charge_id
       WHERE r.status = 'succeeded' AND o.status = 'paid' AND o.paid_at >= $2 AND o.paid_at < $3
         AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND ${column} = $1) GROUP BY o.currency`,
      [id, new Date(from), new Date(to)],
    );
    const refundedOf = (cur: string) => Number(refunds.find((r) => r.currency === cur)?.refunded ?? 0);
    const expected = truth.map((r) => {
      const net = Number(r.earned) - Number(r.reversed);
      return {
        currency: r.currency,
        lines: r.lines,
        quantity: r.quantity,
        amount: Number(r.amount),
        refunded: refundedOf(r.currency),
        commissionEarned: Number(r.earned),
        commissionReversed: Number(r.reversed),
        netCommission: net,
        netToMerchant: Number(r.amount) - refundedOf(r.currency) - net,
      };
    });
    expect(expected.length, party).toBeGreaterThan(0);
    // Refunds took some commission back in every statement (the refunded orders are c1's, of agency ag1, in shop 1).
    expect(
      expected.some((e) => e.commissionReversed > 0 && e.refunded > 0),
      party,
    ).toBe(true);

    // JSON, paged two lines at a time: the totals cover the period on every page, and the lines add up to them.
    const lines: Settlement['lines'] = [];
    let cursor: string | null = null;
    do {
      const page: Settlement = await ok<Settlement>(
        node,
        'GET',
        `/api/settlements/${party}/${id}?from=${from}&to=${to}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        token,
      );
      expect(page.totals, party).toEqual(expected);
      lines.push(...page.lines);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(lines.map((l) => `${l.orderId}:${l.lineNo}`)).size).toBe(lines.length);
    for (const e of expected) {
      const mine = lines.filter((l) => l.currency === e.currency);
      const sum = (k: keyof (typeof lines)[number]) => mine.reduce((s, l) => s + (l[k] as number), 0);
      expect([
        party,
        mine.length,
        sum('amount'),
        sum('refunded'),
        sum('commissionEarned'),
        sum('commissionReversed'),
        sum('netToMerchant'),
      ]).toEqual([party, e.lines, e.amount, e.refunded, e.commissionEarned, e.commissionReversed, e.netToMerchant]);
    }

    // CSV (both spellings): every line, then one total row per currency, equal to the ledger's sums.
    for (const path of [
      `/api/settlements/${party}/${id}.csv?from=${from}&to=${to}`,
      `/api/settlements/${party}/${id}?from=${from}&to=${to}&format=csv`,
    ]) {
      const res = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the UTF-8 BOM
      const [header, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
      const col = (name: string) => header!.indexOf(name);
      const lineRows = rows.filter((r) => r[0] === 'line');
      const totalRows = rows.filter((r) => r[0] === 'total');
      expect(lineRows).toHaveLength(lines.length);
      expect(totalRows.map((r) => r[col('currency')])).toEqual(expected.map((e) => e.currency));
      for (const e of expected) {
        const total = totalRows.find((r) => r[col('currency')] === e.currency)!;
        const mine = lineRows.filter((r) => r[col('currency')] === e.currency);
        for (const [name, value] of [
          ['amount', e.amount],
          ['refunded', e.refunded],
          ['commission_earned', e.commissionEarned],
          ['commission_reversed', e.commissionReversed],
          ['net_commission', e.netCommission],
          ['net_to_merchant', e.netToMerchant],
        ] as const) {
          expect([party, name, Number(total[col(`${name}_minor`)])]).toEqual([party, name, value]);
          expect([party, name, mine.reduce((s, r) => s + Number(r[col(`${name}_minor`)]), 0)]).toEqual([party, name, value]);
          // The decimal column is the same money in the currency's digits (CNY and USD: 2).
          expect(total[col(name)]).toBe((value / 100).toFixed(2));
        }
      }
      // Quoting: a comma, quotes and a line break survive; a formula is defused.
      const titles = lineRows.map((r) => r[col('title')]);
      expect(titles).toContain('Jade "A", green\nbig');
      expect(titles).toContain("'=SUM(A1)");
    }
  }
});
