import type { Redis } from 'ioredis';
import type pg from 'pg';
import { MAX_SKU_STOCK } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { newSkuPool, POOL_COUNT_FIELDS, poolCounts, type PoolCounts } from './pool.ts';
import { StockScripts } from './scripts.ts';
import { inTransaction } from '../ledger/tx.ts';

/** Shop SKUs read and seeded per round trip (node start, recovery). */
const CHUNK = 1_000;

/** One shop SKU as PostgreSQL has it, with what its pool needs. */
interface ShopSkuRow {
  productId: string;
  skuId: string;
  shopId: string;
  version: number;
  title: string;
  price: number;
  currency: string;
  active: boolean;
  /** The durable total: initial_stock + stock_adjusted. */
  total: number;
}

const SKU_ROWS = `SELECT k.id AS sku_id, k.product_id, p.shop_id, p.version, p.title, k.price, s.currency, p.status,
         k.initial_stock + k.stock_adjusted AS total
  FROM shop_skus k JOIN shop_products p ON p.id = k.product_id JOIN shops s ON s.id = p.shop_id`;

/**
 * One stock per shop SKU across every channel (docs/commerce.md, "One stock per SKU"). The counters live in ONE Redis
 * pool per SKU (`stockKeys.sku(productId, skuId)`, roomId '', with `shopId`) that every channel reserves from: each
 * room that selected the product, replays and clips, the storefront, search. Flash sales allocate from it and give
 * back what they did not sell (schedule.lua, end.lua). PostgreSQL holds its durable total, `initial_stock +
 * stock_adjusted` (migration 0003).
 *
 * Which side moves first when stock changes, so Redis never sells more than the durable total allows:
 * - restock: PostgreSQL first, then Redis (a crash in between leaves Redis short of the total: it sells less, never more);
 * - withdraw: Redis first (adjust.lua refuses TOO_FEW_LEFT: reserved, sold and allocated units cannot be withdrawn),
 *   then PostgreSQL; if PostgreSQL refuses or fails, the units are put back in Redis.
 * Pools are created (seed.lua, create-if-absent) after the product's transaction commits, again at every node start
 * and by ledger recovery before it rebuilds counters, so a crash between commit and seeding, products from before
 * this change, or a Redis that lost data all end with every shop SKU having its pool.
 */
export class ShopStock {
  readonly scripts: StockScripts;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly db: pg.Pool,
    private readonly log: Logger,
  ) {
    this.scripts = new StockScripts(redis, prefix);
  }

  /**
   * Brings the pools of these products' SKUs in line with PostgreSQL (seed.lua): created if missing (all of the durable
   * total left), title, price and state (live while the product is active, ended once archived) set when the product's
   * version is newer than the pool's. Call after the product's transaction commits.
   */
  async sync(productIds: readonly string[]): Promise<void> {
    if (!productIds.length) return;
    const { rows } = await this.db.query(`${SKU_ROWS} WHERE k.product_id = ANY($1::text[])`, [productIds]);
    await this.seedRows(rows.map(toRow));
  }

  /**
   * Seeds every shop SKU's pool that is missing (node start, ledger recovery), in chunks. Returns how many it created.
   */
  async seedAll(): Promise<number> {
    let created = 0;
    for (let after = ''; ; ) {
      const { rows } = await this.db.query(`${SKU_ROWS} WHERE k.id > $1 ORDER BY k.id LIMIT $2`, [after, CHUNK]);
      if (!rows.length) break;
      created += await this.seedRows(rows.map(toRow));
      after = rows[rows.length - 1].sku_id;
    }
    if (created) this.log.info({ created }, 'shop SKU stock pools seeded from PostgreSQL');
    return created;
  }

  private async seedRows(rows: ShopSkuRow[]): Promise<number> {
    const res = await Promise.all(
      rows.map((r) =>
        this.scripts.seed(
          r.productId,
          r.skuId,
          { version: r.version, title: r.title, price: r.price, state: r.active ? 'live' : 'ended' },
          newSkuPool({
            roomId: '',
            shopId: r.shopId,
            productId: r.productId,
            skuId: r.skuId,
            title: r.title,
            price: r.price,
            currency: r.currency,
            limit: 0,
            stock: r.total,
          }),
        ),
      ),
    );
    return res.filter((r) => r === 'seeded').length;
  }

  /** The live counters of some SKUs of one product (missing pools read as zeros). */
  async counts(productId: string, skuIds: readonly string[]): Promise<PoolCounts[]> {
    const m = this.redis.multi();
    for (const skuId of skuIds) m.hmget(this.scripts.keys.sku(productId, skuId), ...POOL_COUNT_FIELDS);
    const rows = (await m.exec()) ?? [];
    return skuIds.map((_, i) => poolCounts((rows[i]?.[1] as (string | null)[] | undefined) ?? []));
  }

  /**
   * Restocks (delta > 0) or withdraws (delta < 0) units of one shop SKU, in the order that keeps Redis within the
   * durable total (see the class comment). The caller has checked who may. Refusals are typed and change nothing:
   * NOT_FOUND (no such SKU of the product), CONFLICT (archived), TOO_FEW_LEFT / OVER_CAP (stockError).
   */
  async adjust(productId: string, skuId: string, delta: number): Promise<{ left: number; total: number }> {
    const subject = `SKU ${skuId} of product ${productId}`;
    const { rows } = await this.db.query(`${SKU_ROWS} WHERE k.product_id = $1 AND k.id = $2`, [productId, skuId]);
    if (!rows[0]) throw AppError.notFound(subject);
    const row = toRow(rows[0]);
    if (!row.active) throw AppError.conflict('The product is archived: unarchive it before changing its stock');
    await this.seedRows([row]); // a pool that went missing is re-created from the durable total first
    if (delta > 0) {
      await this.durable(productId, skuId, delta, subject);
      try {
        return await this.scripts.adjust(productId, skuId, delta, MAX_SKU_STOCK, subject);
      } catch (err) {
        // Redis refused (it cannot exceed what PostgreSQL allowed unless the pool drifted): take the durable units back.
        await this.durable(productId, skuId, -delta, subject).catch((e: Error) =>
          this.log.error({ err: e, productId, skuId, delta }, 'undoing a durable restock failed; the durable total is above Redis (safe)'),
        );
        throw err;
      }
    }
    const out = await this.scripts.adjust(productId, skuId, delta, MAX_SKU_STOCK, subject);
    try {
      await this.durable(productId, skuId, delta, subject);
    } catch (err) {
      // PostgreSQL refused the withdrawal: the units go back to Redis, where nobody could have sold them meanwhile
      // beyond the old total (they were out of `left`).
      await this.scripts
        .adjust(productId, skuId, -delta, MAX_SKU_STOCK, subject)
        .catch((e: Error) =>
          this.log.error(
            { err: e, productId, skuId, delta },
            'putting withdrawn units back failed; Redis is below the durable total (safe)',
          ),
        );
      throw err;
    }
    return out;
  }

  /**
   * Returns `units` of a refunded order to the shop SKU's stock (a refund with restock, server/refunds), once: `claim`
   * runs first in the same PostgreSQL transaction as the durable restock (it marks the refund restocked and answers
   * false if it already was), so a retry never adds the units twice. PostgreSQL first, then Redis (the restock order
   * of the class comment: a crash in between leaves Redis short, never over). A SKU whose pool is missing is seeded
   * from the new durable total instead; an archived product's units are durable only (its pool sells nothing).
   * Resolves 'returned', 'already' (claim said no) or 'over_cap' (the SKU cannot hold more: nothing changed).
   */
  async returnUnits(
    productId: string,
    skuId: string,
    units: number,
    claim: (c: pg.PoolClient) => Promise<boolean>,
  ): Promise<'returned' | 'already' | 'over_cap'> {
    const subject = `SKU ${skuId} of product ${productId}`;
    let outcome: 'returned' | 'already';
    try {
      outcome = await inTransaction(this.db, async (c) => {
        if (!(await claim(c))) return 'already';
        await this.durable(productId, skuId, units, subject, c);
        return 'returned';
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'QUOTA_EXCEEDED') return 'over_cap';
      throw err;
    }
    if (outcome === 'already') return outcome;
    const key = this.scripts.keys.sku(productId, skuId);
    if (!(await this.redis.exists(key))) {
      await this.sync([productId]); // created from the durable total, which counts these units already
      return outcome;
    }
    await this.scripts.adjust(productId, skuId, units, MAX_SKU_STOCK, subject).catch((err: Error) =>
      // Archived (pool ended) or over the cap in Redis: the units are durable; Redis holds fewer (safe: it sells less).
      this.log.warn({ err: err.message, productId, skuId, units }, 'returned units are durable but not in the Redis pool'),
    );
    return outcome;
  }

  private async durable(
    productId: string,
    skuId: string,
    delta: number,
    subject: string,
    db: Pick<pg.Pool, 'query'> = this.db,
  ): Promise<void> {
    try {
      const { rowCount } = await db.query(
        `UPDATE shop_skus SET stock_adjusted = stock_adjusted + $3, updated_at = clock_timestamp() WHERE product_id = $1 AND id = $2`,
        [productId, skuId, delta],
      );
      if (rowCount !== 1) throw AppError.notFound(subject);
    } catch (err) {
      if ((err as { code?: string }).code === '23514')
        throw AppError.quotaExceeded('MAX_SKU_STOCK', MAX_SKU_STOCK, `${subject} would hold more than ${MAX_SKU_STOCK} units`);
      throw err;
    }
  }
}

function toRow(r: Record<string, unknown>): ShopSkuRow {
  return {
    productId: r.product_id as string,
    skuId: r.sku_id as string,
    shopId: r.shop_id as string,
    version: Number(r.version),
    title: r.title as string,
    price: Number(r.price),
    currency: r.currency as string,
    active: r.status === 'active',
    total: Number(r.total),
  };
}
