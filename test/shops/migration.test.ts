import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { migrateLedger } from '../../server/ledger/db.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { testDatabaseUrl } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/**
 * Migration 0002 on a fresh schema, after 0001, once; and its constraints refusing bad rows written straight to
 * PostgreSQL, past the service: what makes the bad states impossible rather than merely checked.
 */
it('0002_shops applies after 0001 once, and its constraints refuse every bad row', async () => {
  const url = testDatabaseUrl();
  const schema = `h_mig_${randomBytes(4).toString('hex')}`;
  const log = createLogger('silent');
  // Later migrations apply after it; they have their own tests.
  expect((await migrateLedger({ url, schema, log })).slice(0, 2)).toEqual(['0001_ledger', '0002_shops']);
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
    `INSERT INTO shop_products (id, shop_id, status, version, title, images, category, attributes)
     VALUES ('p1', 's1', 'active', 1, 'Tee', ARRAY['https://img.example.com/a.jpg'], 'apparel',
             '[{"name":"Colour","values":["Red","Blue"]},{"name":"Size","values":["S","M"]}]')`,
  );
  const sku = (id: string, position: number, combination: string[], code: string, price: number, compareAt: number | null = null) =>
    db.query(
      `INSERT INTO shop_skus (id, product_id, position, combination, code, price, compare_at_price, initial_stock)
       VALUES ($1, 'p1', $2, $3, $4, $5, $6, 1)`,
      [id, position, combination, code, price, compareAt],
    );
  await sku('k1', 0, ['Red', 'S'], 'R-S', 1_000, 1_500);

  /** Runs `statement` and returns the SQLSTATE and constraint it failed with. */
  const refusal = async (statement: () => Promise<unknown>) => {
    try {
      await statement();
    } catch (err) {
      const e = err as pg.DatabaseError;
      return [e.code, e.constraint];
    }
    return ['no error'];
  };
  const CHECK = '23514';
  const UNIQUE = '23505';
  expect(await refusal(() => sku('k2', 1, ['Blue', 'M'], 'B-M', 1_000, 1_000))).toEqual([CHECK, 'shop_skus_check']);
  expect(await refusal(() => sku('k2', 1, ['Blue', 'M'], 'B-M', 0))).toEqual([CHECK, 'shop_skus_price_check']);
  expect(await refusal(() => sku('k2', 1, ['Blue', 'M'], 'B-M', 1_000_000_001))).toEqual([CHECK, 'shop_skus_price_check']);
  expect(await refusal(() => sku('k2', 1, ['Blue', 'M'], 'R-S', 1_000))).toEqual([UNIQUE, 'shop_skus_code']);
  expect(await refusal(() => sku('k2', 1, ['Red', 'S'], 'B-M', 1_000))).toEqual([UNIQUE, 'shop_skus_combination']);
  expect(await refusal(() => sku('k2', 0, ['Blue', 'M'], 'B-M', 1_000))).toEqual([UNIQUE, 'shop_skus_position']);
  expect(await refusal(() => sku('k2', 200, ['Blue', 'M'], 'B-M', 1_000))).toEqual([CHECK, 'shop_skus_position_check']);
  // Values the product's attributes do not have, in the wrong order, or too few.
  expect(await refusal(() => sku('k2', 1, ['Green', 'M'], 'B-M', 1_000))).toEqual([CHECK, 'shop_skus_combination_valid']);
  expect(await refusal(() => sku('k2', 1, ['M', 'Blue'], 'B-M', 1_000))).toEqual([CHECK, 'shop_skus_combination_valid']);
  expect(await refusal(() => sku('k2', 1, ['Blue'], 'B-M', 1_000))).toEqual([CHECK, 'shop_skus_combination_valid']);
  // Attributes cannot drop a value a SKU uses; adding one is fine.
  expect(
    await refusal(() =>
      db.query(
        `UPDATE shop_products SET attributes = '[{"name":"Colour","values":["Blue"]},{"name":"Size","values":["S","M"]}]' WHERE id = 'p1'`,
      ),
    ),
  ).toEqual([CHECK, 'shop_products_attributes_hold_skus']);
  await db.query(
    `UPDATE shop_products SET attributes = '[{"name":"Colour","values":["Red","Blue","Green"]},{"name":"Size","values":["S","M"]}]' WHERE id = 'p1'`,
  );
  await sku('k2', 1, ['Green', 'M'], 'G-M', 1_000);
  // Products: images 1..9, archived exactly when it has an archive time, a shop with products cannot go.
  expect(await refusal(() => db.query(`UPDATE shop_products SET images = '{}' WHERE id = 'p1'`))).toEqual([
    CHECK,
    'shop_products_images_check',
  ]);
  expect(await refusal(() => db.query(`UPDATE shop_products SET status = 'archived' WHERE id = 'p1'`))).toEqual([
    CHECK,
    'shop_products_archived_at',
  ]);
  expect(await refusal(() => db.query(`DELETE FROM shops WHERE id = 's1'`))).toEqual(['23503', 'shop_products_shop_id_fkey']);
  expect(await refusal(() => db.query(`UPDATE shops SET currency = 'yuan' WHERE id = 's1'`))).toEqual([CHECK, 'shops_currency_check']);
  // A deleted product takes its SKUs with it.
  await db.query(`DELETE FROM shop_products WHERE id = 'p1'`);
  expect((await db.query(`SELECT count(*)::int AS n FROM shop_skus`)).rows[0].n).toBe(0);
});
