import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import type { Order, OrderList, OrderStatus } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { liveRoomWithProduct } from '../../harness/commerce.ts';
import { randomPrefix, schemaFor, startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** What the test decides about a seeded order; everything else the schema requires is derived. */
interface Seed {
  id: string;
  buyerId: string;
  roomId: string;
  agencyId: string | null;
  createdAt: number;
  status: OrderStatus;
}

/** A connection to the node's ledger schema (the run's PostgreSQL); `t` closes it after the test. */
async function ledgerClient(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: inject('databaseUrl'), options: `-c search_path=${schema}` });
  await client.connect();
  t.add(client, (c) => c.end());
  return client;
}

/**
 * Writes finished orders straight into the ledger, one statement for all of them (as the node's group commit does).
 * Only settled statuses: the node's supervisor leaves them alone (no payment job, no expiry).
 */
async function seedOrders(client: pg.Client, seeds: readonly Seed[]): Promise<void> {
  const col = <T>(f: (s: Seed) => T) => seeds.map(f);
  const iso = (ms: number) => new Date(ms).toISOString();
  await client.query(
    `INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, pool_kind, product_id, sku_id, title,
                         quantity, unit_price, amount, currency, status, created_at, updated_at, deadline, charge_id, paid_at,
                         failure_reason)
     SELECT id, buyer_id, 'seed-' || id, 'sku:p-seeded:std|1', room_id, agency_id, 'sku', 'p-seeded', 'std', 'Seeded scarf',
            1, 1500, 1500, 'USD', status, created_at, created_at, created_at + interval '15 minutes',
            CASE WHEN status = 'paid' THEN 'ch_seed_' || id END, CASE WHEN status = 'paid' THEN created_at END,
            CASE WHEN status = 'failed' THEN 'card declined' END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       AS s(id, buyer_id, room_id, agency_id, status, created_at)`,
    [
      col((s) => s.id),
      col((s) => s.buyerId),
      col((s) => s.roomId),
      col((s) => s.agencyId),
      col((s) => s.status),
      col((s) => iso(s.createdAt)),
    ],
  );
}

/** Newest first, ties (same created_at) by id descending: the order every listing promises. */
const newestFirst = (a: Seed, b: Seed) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Follows `nextCursor` from the first page to the last, as a client would; returns every page. */
async function allPages(url: string, path: string, token: string, limit: number): Promise<Order[][]> {
  const pages: Order[][] = [];
  let cursor: string | null = null;
  do {
    const qs: URLSearchParams = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const res: { status: number; body: OrderList } = await api<OrderList>(url, 'GET', `${path}?${qs}`, token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body.orders);
    cursor = res.body.nextCursor;
    expect(pages.length, 'paging must end').toBeLessThan(1_000);
  } while (cursor);
  return pages;
}

/** A content fingerprint of the whole orders table: equal before and after means nothing changed. */
async function tableState(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ state: string }>(
    `SELECT count(*)::text || ':' || coalesce(md5(string_agg(id || status || updated_at::text, ',' ORDER BY id)), '') AS state FROM orders`,
  );
  return rows[0]!.state;
}

const orderId = () => `ord_${randomBytes(6).toString('hex')}`;

/** Fisher-Yates: insertion order must not be what the listing returns by accident. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

it('orders created in the same millisecond page exactly once, newest first and by id, for room, buyer and agency listings; `before` stays a bound; bad cursors are 400', async () => {
  const prefix = randomPrefix();
  const schema = schemaFor(prefix);
  const admin = await ledgerClient('public');
  // Registered before the node so it runs after the node has closed: this test's 200 rows leave with their schema.
  t.defer(() => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const node = t.add(await startNode({ REDIS_KEY_PREFIX: prefix }));
  const ledger = await ledgerClient(schema);

  const a = await liveRoomWithProduct(node, { live: false });
  const b = await liveRoomWithProduct(node, { live: false });
  expect([a.room.agencyId, b.room.agencyId]).toEqual(['ag1', 'ag1']);
  const T = Date.now() - 60_000;
  const statuses: OrderStatus[] = ['paid', 'failed', 'expired', 'cancelled'];
  const seeds: Seed[] = [];
  const add = (roomId: string, agencyId: string | null, buyerId: string, createdAt: number) =>
    seeds.push({ id: orderId(), buyerId, roomId, agencyId, createdAt, status: statuses[seeds.length % statuses.length]! });

  // Room A: 90 orders in one millisecond T (three buyers), 10 around it; 100 in all, so the last page is exactly full.
  for (let i = 0; i < 90; i++) add(a.room.id, 'ag1', `buyer-${i % 3}`, T);
  for (const at of [T - 5_000, T - 2, T - 1, T - 1, T + 1, T + 1, T + 2, T + 3, T + 1_000, T + 9_000]) add(a.room.id, 'ag1', 'buyer-0', at);
  // Room B (same agency): 25 more of buyer-0's orders in the very same millisecond, and 5 others.
  for (let i = 0; i < 25; i++) add(b.room.id, 'ag1', 'buyer-0', T);
  for (const at of [T - 1, T, T + 1, T + 2, T + 3]) add(b.room.id, 'ag1', 'buyer-9', at);
  // A room of another agency (the listings must not mix it in), where buyer-0 also bought in that millisecond.
  for (let i = 0; i < 7; i++) add('room-of-ag2', 'ag2', 'buyer-0', T);
  for (let i = 0; i < 3; i++) add('room-of-ag2', 'ag2', 'buyer-5', T + i);
  await seedOrders(ledger, shuffled(seeds));

  const expected = (keep: (s: Seed) => boolean) =>
    seeds
      .filter(keep)
      .sort(newestFirst)
      .map((s) => s.id);
  const check = async (path: string, token: string, want: string[], limit = 10) => {
    const pages = await allPages(node.url, path, token, limit);
    const ids = pages.flat().map((o) => o.id);
    expect(new Set(ids).size, `${path}: no order twice`).toBe(ids.length);
    expect(ids, path).toEqual(want);
    expect(
      pages.map((p) => p.length),
      path,
    ).toEqual(Array.from({ length: Math.ceil(want.length / limit) }, (_, i) => Math.min(limit, want.length - i * limit)));
    return pages.flat();
  };

  // Room A, 10 at a time: 10 pages, each order exactly once, in (created_at, id) descending order.
  const roomA = expected((s) => s.roomId === a.room.id);
  expect(roomA).toHaveLength(100);
  const listedA = await check(`/api/rooms/${a.room.id}/orders`, a.creator, roomA);
  expect(listedA.filter((o) => o.createdAt === T)).toHaveLength(90);
  expect(listedA.every((o) => o.roomId === a.room.id)).toBe(true);
  // Page sizes that do not divide the count, and pages of one, give the same sequence.
  await check(`/api/rooms/${a.room.id}/orders`, a.creator, roomA, 7);
  await check(`/api/rooms/${a.room.id}/orders`, a.creator, roomA, 1);

  // The buyer's own orders, across three rooms and two agencies; 62 of them in millisecond T.
  const buyer0 = await devToken(node.url, { userId: 'buyer-0', name: 'Buyer 0', role: 'viewer' });
  const mine = expected((s) => s.buyerId === 'buyer-0');
  expect(seeds.filter((s) => s.buyerId === 'buyer-0' && s.createdAt === T)).toHaveLength(30 + 25 + 7);
  const listedMine = await check('/api/orders', buyer0, mine);
  expect(new Set(listedMine.map((o) => o.roomId))).toEqual(new Set([a.room.id, b.room.id, 'room-of-ag2']));

  // The agency's orders: both of its rooms, none of the other agency's.
  const owner = await devToken(node.url, { userId: 'ag1-owner', name: 'Owner', role: 'agency', agencyId: 'ag1' });
  const agency = expected((s) => s.agencyId === 'ag1');
  expect(agency).toHaveLength(130);
  await check('/api/agencies/ag1/orders', owner, agency);

  // The legacy `before=` (ms) is still an upper bound on created_at, exclusive...
  const firstLegacy = await api<OrderList>(node.url, 'GET', `/api/rooms/${a.room.id}/orders?limit=10&before=${T + 1}`, a.creator);
  expect(firstLegacy.status).toBe(200);
  const bounded = expected((s) => s.roomId === a.room.id && s.createdAt < T + 1);
  expect(firstLegacy.body.orders.map((o) => o.id)).toEqual(bounded.slice(0, 10));
  expect(firstLegacy.body.orders.every((o) => o.createdAt === T)).toBe(true);
  // ...and, being a time, it cannot page through one millisecond: the next legacy page (`before` = the last order's
  // createdAt = T) starts below T, and the other 80 orders of millisecond T are never listed. That is why `cursor`
  // exists; `before` stays for old clients and as a bound.
  const secondLegacy = await api<OrderList>(
    node.url,
    'GET',
    `/api/rooms/${a.room.id}/orders?limit=10&before=${firstLegacy.body.orders.at(-1)!.createdAt}`,
    a.creator,
  );
  expect(secondLegacy.body.orders.map((o) => o.id)).toEqual(expected((s) => s.roomId === a.room.id && s.createdAt < T).slice(0, 10));
  const seenLegacy = new Set([...firstLegacy.body.orders, ...secondLegacy.body.orders].map((o) => o.id));
  expect(roomA.filter((id) => seeds.find((s) => s.id === id)!.createdAt === T && !seenLegacy.has(id))).toHaveLength(80);
  // `before` and `cursor` together: the cursor pages within the bound, so nothing at or after it appears.
  const withBound = await api<OrderList>(
    node.url,
    'GET',
    `/api/rooms/${a.room.id}/orders?limit=10&before=${T + 1}&cursor=${encodeURIComponent(firstLegacy.body.nextCursor!)}`,
    a.creator,
  );
  expect(withBound.body.orders.map((o) => o.id)).toEqual(bounded.slice(10, 20));

  // A cursor the server did not make is a typed 400, and reading with one changes nothing.
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const before = await tableState(ledger);
  const bad = [
    'not-a-cursor',
    '%00%01',
    b64({ createdAt: T, id: roomA[0] }),
    b64([String(T)]),
    b64(["2020-01-01'; DROP TABLE orders; --", roomA[0]]),
    b64(['2020-01-01 00:00:00+00', 42]),
    b64(['2020-01-01 00:00:00+00', 'x'.repeat(129)]),
    'x'.repeat(257), // longer than any cursor (the query schema)
  ];
  for (const cursor of bad) {
    for (const path of [`/api/rooms/${a.room.id}/orders`, '/api/orders', '/api/agencies/ag1/orders']) {
      const token = path.startsWith('/api/rooms') ? a.creator : path === '/api/orders' ? buyer0 : owner;
      const res = await api<{ error: { code: string; message: string } }>(
        node.url,
        'GET',
        `${path}?limit=10&cursor=${cursor.startsWith('%') ? cursor : encodeURIComponent(cursor)}`,
        token,
      );
      expect(res.status, `${path} cursor=${cursor}`).toBe(400);
      expect(res.body.error.code, `${path} cursor=${cursor}`).toBe('BAD_REQUEST');
    }
  }
  // An empty cursor and a repeated one are malformed queries too.
  for (const qs of ['cursor=', `cursor=${encodeURIComponent(firstLegacy.body.nextCursor!)}&cursor=x`]) {
    const res = await api<{ error: { code: string } }>(node.url, 'GET', `/api/rooms/${a.room.id}/orders?${qs}`, a.creator);
    expect([res.status, res.body.error.code], qs).toEqual([400, 'BAD_REQUEST']);
  }
  expect(await tableState(ledger)).toBe(before);
  await check(`/api/rooms/${a.room.id}/orders`, a.creator, roomA);
});

// decodeCursor checks only the shape of the time; PostgreSQL then rejects an impossible one, and the ledger answers that
// as a bad cursor (400), not an internal error.
it("a cursor shaped like the server's but naming an impossible time is a typed 400, not a 500", async () => {
  const prefix = randomPrefix();
  const schema = schemaFor(prefix);
  const admin = await ledgerClient('public');
  t.defer(() => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const node = t.add(await startNode({ REDIS_KEY_PREFIX: prefix }));
  const a = await liveRoomWithProduct(node, { live: false });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  // These pass the cursor's shape check (digits, spaces, colons, dots, T, + and -) but are not timestamps.
  for (const createdAt of ['2024-13-45 99:99:99.000+00', '0000000000', '9999-99-99T99:99:99']) {
    const res = await api<{ error: { code: string } }>(
      node.url,
      'GET',
      `/api/rooms/${a.room.id}/orders?cursor=${b64([createdAt, 'ord_x'])}`,
      a.creator,
    );
    expect([res.status, res.body.error?.code], createdAt).toEqual([400, 'BAD_REQUEST']);
  }
});
