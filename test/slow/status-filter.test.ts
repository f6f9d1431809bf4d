import pg from 'pg';
import { expect, inject, it } from 'vitest';
import type { Order, OrderList, OrderStatus } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { liveRoomWithProduct } from '../../harness/commerce.ts';
import { randomPrefix, schemaFor, startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

interface Seed {
  id: string;
  buyerId: string;
  createdAt: number;
  status: OrderStatus;
}

/** A connection to `schema` of the run's PostgreSQL; `t` closes it after the test. */
async function ledgerClient(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: inject('databaseUrl'), options: `-c search_path=${schema}` });
  await client.connect();
  t.add(client, (c) => c.end());
  return client;
}

/**
 * Writes settled orders of one room straight into the ledger in one statement (the supervisor leaves settled orders
 * alone). Everything the schema requires beyond the seed is derived: a paid order has its charge and paid_at.
 */
async function seedOrders(client: pg.Client, roomId: string, agencyId: string, seeds: readonly Seed[]): Promise<void> {
  await client.query(
    `INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id, title,
                         quantity, unit_price, amount, currency, status, created_at, updated_at, deadline, charge_id, paid_at,
                         failure_reason)
     SELECT id, buyer_id, 'seed-' || id, 'sku:p-seeded:std|1', $1, $2, 'sku', 'p-seeded', 'std', 'Seeded scarf',
            1, 1500, 1500, 'USD', status, created_at, created_at, created_at + interval '15 minutes',
            CASE WHEN status = 'paid' THEN 'ch_seed_' || id END, CASE WHEN status = 'paid' THEN created_at END,
            CASE WHEN status = 'failed' THEN 'card declined' END
     FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS s(id, buyer_id, status, created_at)`,
    [
      roomId,
      agencyId,
      seeds.map((s) => s.id),
      seeds.map((s) => s.buyerId),
      seeds.map((s) => s.status),
      seeds.map((s) => new Date(s.createdAt).toISOString()),
    ],
  );
}

const newestFirst = (a: Seed, b: Seed) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Every page of a listing, following `nextCursor` as a client would. */
async function allPages(url: string, path: string, token: string, query: Record<string, string | number>): Promise<Order[][]> {
  const pages: Order[][] = [];
  let cursor: string | null = null;
  do {
    const qs: URLSearchParams = new URLSearchParams({
      ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
      ...(cursor ? { cursor } : {}),
    });
    const res: { status: number; body: OrderList } = await api<OrderList>(url, 'GET', `${path}?${qs}`, token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body.orders);
    cursor = res.body.nextCursor;
    expect(pages.length, 'paging must end').toBeLessThan(2_000);
  } while (cursor);
  return pages;
}

it('10,000 orders, 90 paid among them: status=paid finds paid orders at any depth, pages to exactly the 90; from is inclusive, to exclusive', async () => {
  const prefix = randomPrefix();
  const schema = schemaFor(prefix);
  const admin = await ledgerClient('public');
  // Runs after the node has closed (registered first): the 10,000 rows leave with the test's schema.
  t.defer(() => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const node = t.add(await startNode({ REDIS_KEY_PREFIX: prefix }));
  const ledger = await ledgerClient(schema);
  const { creator, room } = await liveRoomWithProduct(node, { live: false });

  // Four orders per millisecond (ties everywhere), 7 ms apart; 90 paid spread evenly (every 111th), a few cancelled,
  // the rest failed. Ids are zero-padded in creation order, then ties are broken by id, so any two orders compare.
  const T0 = Date.now() - 3_600_000;
  const paidAt = new Set(Array.from({ length: 90 }, (_, k) => 5 + k * 111));
  const seeds: Seed[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `ord_seed${String(i).padStart(5, '0')}`,
    buyerId: `buyer-${i % 50}`,
    createdAt: T0 + Math.floor(i / 4) * 7,
    status: paidAt.has(i) ? 'paid' : i % 997 === 0 ? 'cancelled' : 'failed',
  }));
  await seedOrders(ledger, room.id, 'ag1', seeds);
  const path = `/api/rooms/${room.id}/orders`;
  const expected = (keep: (s: Seed) => boolean) =>
    seeds
      .filter(keep)
      .sort(newestFirst)
      .map((s) => s.id);
  const paid = expected((s) => s.status === 'paid');
  expect(paid).toHaveLength(90);

  // The two newest paid orders, though none of the newest 100 orders is paid: the filter is applied in the query, not
  // to a page read first.
  const two = await api<OrderList>(node.url, 'GET', `${path}?status=paid&limit=2`, creator);
  expect(two.status).toBe(200);
  expect(two.body.orders.map((o) => o.id)).toEqual(paid.slice(0, 2));
  expect(two.body.orders.every((o) => o.status === 'paid' && o.chargeId === `ch_seed_${o.id}`)).toBe(true);
  expect(two.body.nextCursor).toEqual(expect.any(String));

  // Paging status=paid: exactly the 90, each once, newest first, whatever the page size; the last page says so.
  for (const limit of [2, 7, 90, 200]) {
    const pages = await allPages(node.url, path, creator, { status: 'paid', limit });
    expect(
      pages.flat().map((o) => o.id),
      `limit=${limit}`,
    ).toEqual(paid);
    expect(pages).toHaveLength(Math.ceil(90 / limit));
  }
  const cancelled = await allPages(node.url, path, creator, { status: 'cancelled', limit: 3 });
  expect(cancelled.flat().map((o) => o.id)).toEqual(expected((s) => s.status === 'cancelled'));
  // No status: all 10,000, each exactly once.
  const everything = (await allPages(node.url, path, creator, { limit: 200 })).flat().map((o) => o.id);
  expect(everything).toHaveLength(10_000);
  expect(everything).toEqual(expected(() => true));

  // from (inclusive) and to (exclusive), both on milliseconds that hold four orders each.
  const from = seeds[4_000]!.createdAt;
  const to = seeds[6_000]!.createdAt;
  const inRange = (s: Seed) => s.createdAt >= from && s.createdAt < to;
  const ranged = (await allPages(node.url, path, creator, { from, to, limit: 200 })).flat();
  expect(ranged.map((o) => o.id)).toEqual(expected(inRange));
  expect(ranged.filter((o) => o.createdAt === from)).toHaveLength(4);
  expect(ranged.some((o) => o.createdAt === to)).toBe(false);
  expect(ranged).toHaveLength(2_000);
  const rangedPaid = (await allPages(node.url, path, creator, { status: 'paid', from, to, limit: 5 })).flat();
  expect(rangedPaid.map((o) => o.id)).toEqual(expected((s) => inRange(s) && s.status === 'paid'));
  expect(rangedPaid.length).toBeGreaterThan(10);
  // Each bound alone.
  expect((await allPages(node.url, path, creator, { from: seeds[9_990]!.createdAt, limit: 200 })).flat().map((o) => o.id)).toEqual(
    expected((s) => s.createdAt >= seeds[9_990]!.createdAt),
  );
  expect((await allPages(node.url, path, creator, { to: seeds[12]!.createdAt, limit: 200 })).flat().map((o) => o.id)).toEqual(
    expected((s) => s.createdAt < seeds[12]!.createdAt),
  );
  // An empty range (to = from) is empty, and so is one that ends before it starts.
  for (const q of [
    { from, to: from },
    { from: to, to: from },
  ]) {
    const res = await api<OrderList>(node.url, 'GET', `${path}?from=${q.from}&to=${q.to}`, creator);
    expect(res.body).toEqual({ orders: [], nextCursor: null });
  }
  // The legacy `before` with `to`: the earlier of the two bounds wins.
  const both = await api<OrderList>(node.url, 'GET', `${path}?status=paid&limit=200&to=${to}&before=${from}`, creator);
  expect(both.body.orders.map((o) => o.id)).toEqual(expected((s) => s.status === 'paid' && s.createdAt < from));

  // Out-of-schema queries are typed 400s.
  for (const qs of ['status=refunded', 'limit=0', 'limit=201', 'limit=ten', 'from=-1', 'to=soon', 'page=2']) {
    const res = await api<{ error: { code: string } }>(node.url, 'GET', `${path}?${qs}`, creator);
    expect([res.status, res.body.error?.code], qs).toEqual([400, 'BAD_REQUEST']);
  }
});
