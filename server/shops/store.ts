import type pg from 'pg';
import type { Shop, ShopKind, ShopProduct, ShopProductStatus, ShopProductSummary, ShopSku } from '@hawker/protocol';
import { decodeCursor, encodeCursor } from '../ledger/orders.ts';
import { inTransaction } from '../ledger/tx.ts';
import type { AttributeModel } from './validate.ts';

/** A pool or a client inside a transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

/** A shop with its staff: what the access policy needs to decide. */
export interface ShopWithStaff extends Shop {
  staff: string[];
}

/** A product row without its SKUs, plus what the policy needs of its shop. */
export interface ProductHead {
  id: string;
  shopId: string;
  status: ShopProductStatus;
  version: number;
  title: string;
  description: string;
  images: string[];
  category: string;
  attributes: AttributeModel[];
  currency: string;
  ownerId: string;
  kind: ShopKind;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
}

/** A SKU as written: `values` in the attributes' order; `stock` only on insert (the stock module owns it afterwards). */
export interface SkuRow {
  id: string;
  position: number;
  values: string[];
  code: string;
  price: number;
  compareAtPrice: number | null;
  stock: number;
}

const SHOP_COLUMNS = `s.id, s.owner_id, s.kind, s.name, s.logo_url, s.currency, s.contact_email, s.contact_phone, s.return_policy,
  s.created_at, s.updated_at`;
const PRODUCT_COLUMNS = `p.id, p.shop_id, p.status, p.version, p.title, p.description, p.images, p.category, p.attributes,
  p.created_at, p.updated_at, p.archived_at, s.currency, s.owner_id, s.kind`;

/** The fields of a shop the owner sets (columns, in one place for insert and update). */
export interface ShopFields {
  name: string;
  logoUrl: string | null;
  currency: string;
  email: string | null;
  phone: string | null;
  returnPolicy: string | null;
}

/**
 * Shops, staff, products and SKUs in PostgreSQL (tables of migration 0002). Every statement is parameterised; the
 * service decides who may and what is valid, inside the transactions this store runs.
 */
export class ShopStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  get db(): Db {
    return this.pool;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shops

  /** Serialises shop creation per owner account until the transaction ends (the per-owner limit counts under it). */
  async lockOwner(c: Db, ownerId: string): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`hawker:shops:owner:${ownerId}`]);
  }

  async countShopsOf(c: Db, ownerId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM shops WHERE owner_id = $1`, [ownerId]);
    return rows[0]!.n;
  }

  async insertShop(c: Db, id: string, ownerId: string, kind: ShopKind, f: ShopFields): Promise<Shop> {
    const { rows } = await c.query(
      `INSERT INTO shops AS s (id, owner_id, kind, name, logo_url, currency, contact_email, contact_phone, return_policy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${SHOP_COLUMNS}`,
      [id, ownerId, kind, f.name, f.logoUrl, f.currency, f.email, f.phone, f.returnPolicy],
    );
    return toShop(rows[0]!);
  }

  async shop(c: Db, id: string): Promise<Shop | null> {
    const { rows } = await c.query(`SELECT ${SHOP_COLUMNS} FROM shops s WHERE s.id = $1`, [id]);
    return rows[0] ? toShop(rows[0]) : null;
  }

  /**
   * The shop with its staff, its row locked against other changes of the shop (settings, staff, product count) until
   * the transaction ends; null if there is no such shop.
   */
  async lockShop(c: Db, id: string): Promise<ShopWithStaff | null> {
    const { rows } = await c.query(`SELECT ${SHOP_COLUMNS} FROM shops s WHERE s.id = $1 FOR NO KEY UPDATE`, [id]);
    if (!rows[0]) return null;
    return { ...toShop(rows[0]), staff: await this.staff(c, id) };
  }

  async updateShop(c: Db, id: string, f: ShopFields): Promise<Shop> {
    const { rows } = await c.query(
      `UPDATE shops s SET name = $2, logo_url = $3, currency = $4, contact_email = $5, contact_phone = $6, return_policy = $7,
              updated_at = clock_timestamp()
       WHERE s.id = $1 RETURNING ${SHOP_COLUMNS}`,
      [id, f.name, f.logoUrl, f.currency, f.email, f.phone, f.returnPolicy],
    );
    return toShop(rows[0]!);
  }

  /** Staff user ids, oldest first. */
  async staff(c: Db, shopId: string): Promise<string[]> {
    const { rows } = await c.query<{ user_id: string }>(`SELECT user_id FROM shop_staff WHERE shop_id = $1 ORDER BY added_at, user_id`, [
      shopId,
    ]);
    return rows.map((r) => r.user_id);
  }

  /** Adds a staff member; false if they already were. */
  async addStaff(c: Db, shopId: string, userId: string, by: string): Promise<boolean> {
    const { rowCount } = await c.query(`INSERT INTO shop_staff (shop_id, user_id, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      shopId,
      userId,
      by,
    ]);
    return rowCount === 1;
  }

  async removeStaff(c: Db, shopId: string, userId: string): Promise<void> {
    await c.query(`DELETE FROM shop_staff WHERE shop_id = $1 AND user_id = $2`, [shopId, userId]);
  }

  /** Shops `userId` owns or works for, oldest first, with their staff (at most `limit`). */
  async shopsOf(c: Db, userId: string, limit: number): Promise<(ShopWithStaff & { isOwner: boolean })[]> {
    const { rows } = await c.query(
      `SELECT ${SHOP_COLUMNS}, s.owner_id = $1 AS is_owner,
              ARRAY(SELECT user_id FROM shop_staff st WHERE st.shop_id = s.id ORDER BY st.added_at, st.user_id) AS staff
       FROM shops s
       WHERE s.owner_id = $1 OR EXISTS (SELECT 1 FROM shop_staff st WHERE st.shop_id = s.id AND st.user_id = $1)
       ORDER BY s.created_at, s.id LIMIT $2`,
      [userId, limit],
    );
    return rows.map((r) => ({ ...toShop(r), staff: r.staff as string[], isOwner: r.is_owner === true }));
  }

  async countProducts(c: Db, shopId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM shop_products WHERE shop_id = $1`, [shopId]);
    return rows[0]!.n;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Products

  async insertProduct(
    c: Db,
    p: { id: string; shopId: string; title: string; description: string; images: string[]; category: string; attributes: AttributeModel[] },
  ): Promise<void> {
    await c.query(
      `INSERT INTO shop_products (id, shop_id, status, version, title, description, images, category, attributes)
       VALUES ($1, $2, 'active', 1, $3, $4, $5::text[], $6, $7::jsonb)`,
      [p.id, p.shopId, p.title, p.description, p.images, p.category, JSON.stringify(p.attributes)],
    );
  }

  /** Inserts SKUs of one product (one statement, whatever their number). */
  async insertSkus(c: Db, productId: string, skus: readonly SkuRow[]): Promise<void> {
    if (!skus.length) return;
    await c.query(
      `INSERT INTO shop_skus (id, product_id, position, combination, code, price, compare_at_price, initial_stock)
       SELECT s.id, $1, s.position,
              ARRAY(SELECT e.v FROM jsonb_array_elements_text(s.vals) WITH ORDINALITY AS e(v, i) ORDER BY e.i),
              s.code, s.price, s.compare_at_price, s.stock
       FROM jsonb_to_recordset($2::jsonb)
         AS s(id text, position int, vals jsonb, code text, price bigint, compare_at_price bigint, stock int)`,
      [
        productId,
        JSON.stringify(
          skus.map((s) => ({
            id: s.id,
            position: s.position,
            vals: s.values,
            code: s.code,
            price: s.price,
            compare_at_price: s.compareAtPrice,
            stock: s.stock,
          })),
        ),
      ],
    );
  }

  /** Writes the code and prices of existing SKUs (stock and combination never change here). */
  async updateSkus(c: Db, productId: string, skus: readonly Pick<SkuRow, 'id' | 'code' | 'price' | 'compareAtPrice'>[]): Promise<void> {
    if (!skus.length) return;
    await c.query(
      `UPDATE shop_skus k SET code = s.code, price = s.price, compare_at_price = s.compare_at_price, updated_at = clock_timestamp()
       FROM jsonb_to_recordset($2::jsonb) AS s(id text, code text, price bigint, compare_at_price bigint)
       WHERE k.product_id = $1 AND k.id = s.id`,
      [productId, JSON.stringify(skus.map((s) => ({ id: s.id, code: s.code, price: s.price, compare_at_price: s.compareAtPrice })))],
    );
  }

  /** The product without SKUs; `lock`: its row locked for an edit, or (`delete`) also against anything that would reference it. */
  async productHead(c: Db, id: string, lock?: 'edit' | 'delete'): Promise<ProductHead | null> {
    const suffix = lock === 'delete' ? 'FOR UPDATE OF p' : lock === 'edit' ? 'FOR NO KEY UPDATE OF p' : '';
    const { rows } = await c.query(
      `SELECT ${PRODUCT_COLUMNS} FROM shop_products p JOIN shops s ON s.id = p.shop_id WHERE p.id = $1 ${suffix}`,
      [id],
    );
    return rows[0] ? toHead(rows[0]) : null;
  }

  /** SKUs of a product in creation order. */
  async skus(c: Db, productId: string): Promise<SkuRow[]> {
    const { rows } = await c.query(
      `SELECT id, position, combination, code, price, compare_at_price, initial_stock FROM shop_skus WHERE product_id = $1 ORDER BY position`,
      [productId],
    );
    return rows.map((r) => ({
      id: r.id as string,
      position: Number(r.position),
      values: r.combination as string[],
      code: r.code as string,
      price: Number(r.price),
      compareAtPrice: r.compare_at_price === null ? null : Number(r.compare_at_price),
      stock: Number(r.initial_stock),
    }));
  }

  async product(c: Db, id: string): Promise<ShopProduct | null> {
    const head = await this.productHead(c, id);
    return head ? productView(head, await this.skus(c, id)) : null;
  }

  /** Writes the product's own fields and bumps its version (every edit is one version). */
  async updateProduct(
    c: Db,
    id: string,
    p: { title: string; description: string; images: string[]; category: string; attributes: AttributeModel[] },
  ): Promise<void> {
    await c.query(
      `UPDATE shop_products SET title = $2, description = $3, images = $4::text[], category = $5, attributes = $6::jsonb,
              version = version + 1, updated_at = clock_timestamp()
       WHERE id = $1`,
      [id, p.title, p.description, p.images, p.category, JSON.stringify(p.attributes)],
    );
  }

  async archiveProduct(c: Db, id: string): Promise<void> {
    await c.query(
      `UPDATE shop_products SET status = 'archived', archived_at = clock_timestamp(), updated_at = clock_timestamp(), version = version + 1
       WHERE id = $1 AND status = 'active'`,
      [id],
    );
  }

  /** Puts an archived product back on sale: a new version (its pools read the version to update their state). */
  async unarchiveProduct(c: Db, id: string): Promise<void> {
    await c.query(
      `UPDATE shop_products SET status = 'active', archived_at = NULL, updated_at = clock_timestamp(), version = version + 1
       WHERE id = $1 AND status = 'archived'`,
      [id],
    );
  }

  /**
   * Whether any order line of the ledger names this product. Order lines carry the product's id (text, the same id
   * space as shop products), so this is exact for every order ever recorded, whatever its channel.
   */
  async everOrdered(c: Db, productId: string): Promise<boolean> {
    const { rows } = await c.query(`SELECT EXISTS (SELECT 1 FROM order_lines WHERE product_id = $1) AS ordered`, [productId]);
    return rows[0]!.ordered === true;
  }

  /** Deletes the product and its SKUs (cascade). */
  async deleteProduct(c: Db, id: string): Promise<void> {
    await c.query(`DELETE FROM shop_products WHERE id = $1`, [id]);
  }

  /** A page of the shop's products, newest first (keyset on (created_at, id), like the ledger's order listings). */
  async listProducts(
    c: Db,
    shopId: string,
    f: { status?: ShopProductStatus; limit: number; cursor?: string },
  ): Promise<{ products: ShopProductSummary[]; nextCursor: string | null }> {
    const where = ['p.shop_id = $1'];
    const args: unknown[] = [shopId];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (f.status) where.push(`p.status = ${arg(f.status)}`);
    if (f.cursor) {
      const cur = decodeCursor(f.cursor);
      where.push(`(p.created_at, p.id) < (${arg(cur.createdAt)}::timestamptz, ${arg(cur.id)})`);
    }
    const { rows } = await c.query(
      `SELECT p.id, p.shop_id, p.status, p.version, p.title, p.images[1] AS image, p.category, s.currency,
              k.min_price, k.max_price, k.sku_count, p.created_at, p.updated_at, p.created_at::text AS created_exact
       FROM shop_products p
       JOIN shops s ON s.id = p.shop_id
       CROSS JOIN LATERAL (
         SELECT min(price) AS min_price, max(price) AS max_price, count(*)::int AS sku_count FROM shop_skus WHERE product_id = p.id
       ) k
       WHERE ${where.join(' AND ')}
       ORDER BY p.created_at DESC, p.id DESC LIMIT ${arg(f.limit + 1)}`,
      args,
    );
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return {
      products: page.map(
        (r): ShopProductSummary => ({
          id: r.id,
          shopId: r.shop_id,
          status: r.status,
          version: Number(r.version),
          title: r.title,
          image: r.image,
          category: r.category,
          currency: r.currency,
          minPrice: Number(r.min_price ?? 0),
          maxPrice: Number(r.max_price ?? 0),
          skuCount: Number(r.sku_count),
          createdAt: ms(r.created_at),
          updatedAt: ms(r.updated_at),
        }),
      ),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.created_exact as string, last.id as string) : null,
    };
  }
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

function toShop(r: Record<string, unknown>): Shop {
  return {
    id: r.id as string,
    ownerId: r.owner_id as string,
    kind: r.kind as ShopKind,
    name: r.name as string,
    logoUrl: (r.logo_url as string | null) ?? null,
    currency: r.currency as string,
    contact: { email: (r.contact_email as string | null) ?? null, phone: (r.contact_phone as string | null) ?? null },
    returnPolicy: (r.return_policy as string | null) ?? null,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
  };
}

function toHead(r: Record<string, unknown>): ProductHead {
  return {
    id: r.id as string,
    shopId: r.shop_id as string,
    status: r.status as ShopProductStatus,
    version: Number(r.version),
    title: r.title as string,
    description: r.description as string,
    images: r.images as string[],
    category: r.category as string,
    attributes: r.attributes as AttributeModel[],
    currency: r.currency as string,
    ownerId: r.owner_id as string,
    kind: r.kind as ShopKind,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
    archivedAt: r.archived_at ? ms(r.archived_at) : null,
  };
}

/** The wire form of a product. */
export function productView(h: ProductHead, skus: readonly SkuRow[]): ShopProduct {
  return {
    id: h.id,
    shopId: h.shopId,
    status: h.status,
    version: h.version,
    title: h.title,
    description: h.description,
    images: h.images,
    category: h.category,
    currency: h.currency,
    attributes: h.attributes.map((a) => ({ name: a.name, values: a.values })),
    skus: skus.map(
      (s): ShopSku => ({
        id: s.id,
        values: s.values,
        code: s.code,
        price: s.price,
        compareAtPrice: s.compareAtPrice,
        initialStock: s.stock,
      }),
    ),
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    archivedAt: h.archivedAt,
  };
}
