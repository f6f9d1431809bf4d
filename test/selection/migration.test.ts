import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { expect, it } from 'vitest';
import { testDatabaseUrl } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { migrateLedger } from '../../server/ledger/db.ts';
import { createLogger } from '../../server/kernel/log.ts';

const t = useTeardown();

/**
 * Migration 0004 once, its constraints refusing bad rows written straight to PostgreSQL, and its down migration: the
 * schema, not only the service, keeps rates in range and the commission ledger one entry per line and refund.
 */
it('0004_selection applies once, refuses bad rows, and rolls back cleanly', async () => {
  const url = testDatabaseUrl();
  const schema = `h_mig_${randomBytes(4).toString('hex')}`;
  const log = createLogger('silent');
  expect(await migrateLedger({ url, schema, log })).toContain('0004_selection');
  expect(await migrateLedger({ url, schema, log })).toEqual([]);
  const db = t.add(new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` }), (p) => p.end());
  t.defer(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });
  await db.query(`INSERT INTO shops (id, owner_id, kind, name, currency) VALUES ('s1', 'm1', 'merchant', 'Shop', 'CNY')`);
  await db.query(
    `INSERT INTO shop_products (id, shop_id, status, version, title, images, category) VALUES ('p1', 's1', 'active', 1, 'T', '{https://img.example.com/a.jpg}', 'c')`,
  );
  const refused = async (sql: string) => {
    await expect(db.query(sql), sql).rejects.toMatchObject({ code: expect.stringMatching(/^23/) });
  };
  await refused(`INSERT INTO selection_settings (shop_id, default_rate_bps, updated_by) VALUES ('s1', -1, 'm1')`);
  await refused(`INSERT INTO selection_settings (shop_id, default_rate_bps, updated_by) VALUES ('s1', 10001, 'm1')`);
  await refused(
    `INSERT INTO selection_plans (product_id, shop_id, rate_bps, requires_approval, created_by) VALUES ('nope', 's1', 100, false, 'm1')`,
  );
  await db.query(
    `INSERT INTO selection_plans (product_id, shop_id, rate_bps, requires_approval, created_by) VALUES ('p1', 's1', 100, true, 'm1')`,
  );
  await refused(
    `INSERT INTO selection_applications (id, product_id, shop_id, creator_id, applied_by, status) VALUES ('a1', 'p1', 's1', 'c1', 'c1', 'approved')`,
  );
  await db.query(
    `INSERT INTO selection_applications (id, product_id, shop_id, creator_id, applied_by, status) VALUES ('a1', 'p1', 's1', 'c1', 'c1', 'pending')`,
  );
  await refused(
    `INSERT INTO selection_applications (id, product_id, shop_id, creator_id, applied_by, status) VALUES ('a2', 'p1', 's1', 'c1', 'c1', 'pending')`,
  );
  await refused(
    `INSERT INTO selection_offers (id, shop_id, product_id, target_kind, target_id, rate_bps, created_by) VALUES ('o1', 's1', 'p1', 'room', 'x', 100, 'm1')`,
  );
  await db.query(
    `INSERT INTO selection_offers (id, shop_id, product_id, target_kind, target_id, rate_bps, created_by) VALUES ('o1', 's1', 'p1', 'creator', 'c1', 100, 'm1')`,
  );
  await refused(
    `INSERT INTO selection_offers (id, shop_id, product_id, target_kind, target_id, rate_bps, created_by) VALUES ('o2', 's1', 'p1', 'creator', 'c1', 200, 'm1')`,
  );
  // The commission ledger: entries of real lines only, never negative, a reversal always names its refund.
  await db.query(
    `INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, channel, pool_kind, product_id, sku_id, title, quantity, unit_price, amount, currency, status, created_at, updated_at, deadline)
     VALUES ('o1', 'b', 'k', 'f', 'storefront', 'sku', 'p1', 'k1', 'T', 1, 1000, 1000, 'CNY', 'reserved', now(), now(), now())`,
  );
  await db.query(
    `INSERT INTO order_lines (order_id, line_no, product_id, sku_id, title, quantity, unit_price, amount, creator_id, commission_rate_bps, commission_amount) VALUES ('o1', 1, 'p1', 'k1', 'T', 1, 1000, 1000, 'c1', 1000, 100)`,
  );
  await refused(`INSERT INTO commission_entries (order_id, line_no, creator_id, kind, amount) VALUES ('o1', 2, 'c1', 'earned', 1)`);
  await refused(`INSERT INTO commission_entries (order_id, line_no, creator_id, kind, amount) VALUES ('o1', 1, 'c1', 'earned', -1)`);
  await refused(`INSERT INTO commission_entries (order_id, line_no, creator_id, kind, amount) VALUES ('o1', 1, 'c1', 'reversed', 1)`);
  await db.query(`INSERT INTO commission_entries (order_id, line_no, creator_id, kind, amount) VALUES ('o1', 1, 'c1', 'earned', 100)`);
  await refused(`INSERT INTO commission_entries (order_id, line_no, creator_id, kind, amount) VALUES ('o1', 1, 'c1', 'earned', 100)`);

  // Down: the tables, triggers and functions go; 0003 stands.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await runner({
      dbClient: client,
      dir: fileURLToPath(new URL('../../server/ledger/migrations/', import.meta.url)),
      migrationsTable: 'hawker_migrations',
      schema,
      direction: 'down',
      // Down to just before 0004: every later migration comes down first.
      count: fs.readdirSync(new URL('../../server/ledger/migrations/', import.meta.url)).filter((f) => f.endsWith('.sql') && f >= '0004')
        .length,
      singleTransaction: true,
      // Other test files migrate their own schemas at the same time; node-pg-migrate's lock is database-wide, and its
      // default mode fails at once ("Another migration is already running") instead of waiting its turn.
      advisoryLockMode: 'wait',
      log: () => {},
    });
  } finally {
    await client.end();
  }
  const { rows } = await db.query(
    `SELECT to_regclass('commission_entries') AS e, to_regclass('selection_plans') AS p, to_regclass('order_lines') AS l`,
  );
  expect(rows[0]).toEqual({ e: null, p: null, l: 'order_lines' });
  const triggers = await db.query(
    `SELECT count(*)::int AS n FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
     WHERE g.tgname LIKE '%commission%' AND c.relnamespace = $1::regnamespace`,
    [schema],
  );
  expect(triggers.rows[0].n).toBe(0);
});
