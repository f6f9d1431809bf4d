import type pg from 'pg';
import type { Room } from '@hawker/protocol';
import type { RankCursor } from './cursor.ts';
import { inTransaction } from '../ledger/tx.ts';
import { docTerms, PRODUCT_TERMS_VERSION, productTerms, type QueryTerms } from './terms.ts';

/** A pool or a client inside a transaction. */
export type Db = Pick<pg.Pool, 'query'>;

/** A product's row of the index, as ranking, storefronts and hits read it. */
export interface ProductDoc {
  productId: string;
  shopId: string;
  shopName: string;
  title: string;
  image: string;
  category: string;
  currency: string;
  minPrice: number;
  maxPrice: number;
  inStock: boolean;
  skuIds: string[];
  createdAt: number;
}

/** A ranked row: the doc with the ranking keys it was sorted by. */
export type Ranked<T> = T & { live: boolean; score: number };

export interface CreatorDoc {
  creatorId: string;
  name: string;
  agencyId: string | null;
}

export interface RoomDoc {
  roomId: string;
  creatorId: string;
  creatorName: string;
  title: string;
  status: 'scheduled' | 'live';
  scheduledAt: number | null;
}

export interface ClipDoc {
  clipId: string;
  roomId: string;
  creatorId: string;
  creatorName: string;
  title: string;
  productId: string | null;
  image: string | null;
}

/** Filters of a product search. */
export interface ProductFilters {
  minPrice?: number;
  maxPrice?: number;
  category?: string;
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

const DOC_COLUMNS = `d.product_id, d.shop_id, d.shop_name, d.title, d.image, d.category, d.currency, d.min_price, d.max_price,
  d.in_stock, d.sku_ids, d.created_at`;

function toDoc(r: Record<string, unknown>): ProductDoc {
  return {
    productId: r.product_id as string,
    shopId: r.shop_id as string,
    shopName: r.shop_name as string,
    title: r.title as string,
    image: r.image as string,
    category: r.category as string,
    currency: r.currency as string,
    minPrice: Number(r.min_price),
    maxPrice: Number(r.max_price),
    inStock: r.in_stock === true,
    skuIds: r.sku_ids as string[],
    createdAt: ms(r.created_at),
  };
}

/**
 * The search index in PostgreSQL (migration 0010): writes of the documents (terms made in Node, server/search/terms.ts)
 * and the ranked queries. Every statement is parameterised; pg_trgm's objects are named with their schema (`public`).
 */
export class SearchStore {
  constructor(readonly db: Db) {}

  /** Runs `fn` in one transaction when the store has a pool (a bare query function, as the benchmark's, runs it as is). */
  private tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const pool = this.db as Partial<pg.Pool>;
    return typeof pool.connect === 'function' ? inTransaction(pool as pg.Pool, fn) : fn(this.db);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Index writes

  /**
   * Re-indexes these products from the shop tables (a product that no longer exists has no row: its doc went with it,
   * ON DELETE CASCADE). `inStock` answers whether a product has units left now (the shared pools); without an answer
   * for a product, its durable total decides.
   */
  async refreshProducts(
    ids: readonly string[],
    inStock: (productId: string, skuIds: string[]) => Promise<boolean | null>,
  ): Promise<number> {
    if (!ids.length) return 0;
    const { rows } = await this.db.query(
      `SELECT p.id, p.shop_id, s.name AS shop_name, p.title, p.description, p.images[1] AS image, p.category, s.currency,
              p.status = 'active' AS active, k.min_price, k.max_price, k.sku_ids, k.total, p.created_at
       FROM shop_products p JOIN shops s ON s.id = p.shop_id
       CROSS JOIN LATERAL (
         SELECT min(price) AS min_price, max(price) AS max_price, array_agg(id ORDER BY position) AS sku_ids,
                coalesce(sum(initial_stock + stock_adjusted), 0)::int AS total
         FROM shop_skus WHERE product_id = p.id
       ) k
       WHERE p.id = ANY($1::text[])`,
      [ids],
    );
    const docs = await Promise.all(
      rows.map(async (r) => {
        const skuIds = (r.sku_ids as string[] | null) ?? [];
        const live = await inStock(r.id, skuIds);
        const t = productTerms(r.title, r.category, r.shop_name, r.description ?? '');
        return {
          product_id: r.id,
          shop_id: r.shop_id,
          shop_name: r.shop_name,
          title: r.title,
          image: r.image,
          category: r.category,
          currency: r.currency,
          active: r.active === true,
          in_stock: live ?? Number(r.total) > 0,
          min_price: Number(r.min_price ?? 0),
          max_price: Number(r.max_price ?? 0),
          sku_ids: skuIds,
          plain: t.plain,
          terms: t.terms,
          latin: t.latin,
          terms_version: PRODUCT_TERMS_VERSION,
          created_at: (r.created_at as Date).toISOString(),
        };
      }),
    );
    await this.upsertProductDocs(docs);
    return docs.length;
  }

  /**
   * Writes product docs and their words (two statements). Exposed for the benchmark's bulk load. A doc without
   * `terms_version` was made by today's code (`PRODUCT_TERMS_VERSION`).
   */
  async upsertProductDocs(docs: readonly Record<string, unknown>[]): Promise<void> {
    if (!docs.length) return;
    await this.addWords(docs.map((d) => String(d.latin)));
    await this.db.query(
      `INSERT INTO search_products AS d (product_id, shop_id, shop_name, title, image, category, currency, active, in_stock,
                                         min_price, max_price, sku_ids, plain, terms, latin, terms_version, created_at)
       SELECT x.product_id, x.shop_id, x.shop_name, x.title, x.image, x.category, x.currency, x.active, x.in_stock,
              x.min_price, x.max_price, ARRAY(SELECT jsonb_array_elements_text(x.sku_ids)), x.plain,
              ARRAY(SELECT jsonb_array_elements_text(x.terms)), x.latin, coalesce(x.terms_version, $2), x.created_at
       FROM jsonb_to_recordset($1::jsonb) AS x(product_id text, shop_id text, shop_name text, title text, image text,
            category text, currency text, active boolean, in_stock boolean, min_price bigint, max_price bigint,
            sku_ids jsonb, plain text, terms jsonb, latin text, terms_version smallint, created_at timestamptz)
       ON CONFLICT (product_id) DO UPDATE SET shop_name = EXCLUDED.shop_name, title = EXCLUDED.title, image = EXCLUDED.image,
         category = EXCLUDED.category, currency = EXCLUDED.currency, active = EXCLUDED.active, in_stock = EXCLUDED.in_stock,
         min_price = EXCLUDED.min_price, max_price = EXCLUDED.max_price, sku_ids = EXCLUDED.sku_ids, plain = EXCLUDED.plain,
         terms = EXCLUDED.terms, latin = EXCLUDED.latin, terms_version = EXCLUDED.terms_version, indexed_at = clock_timestamp()`,
      [JSON.stringify(docs), PRODUCT_TERMS_VERSION],
    );
  }

  /** Adds the words of these Latin texts to the vocabulary (typo expansion). */
  async addWords(latin: readonly string[]): Promise<void> {
    await this.addWordsWith(this.db, latin);
  }

  private async addWordsWith(db: Db, latin: readonly string[]): Promise<void> {
    const words = [...new Set(latin.flatMap((l) => l.split(' ')).filter((w) => w.length > 0 && w.length <= 64))];
    if (!words.length) return;
    await db.query(`INSERT INTO search_words (word) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT DO NOTHING`, [words]);
  }

  /** Product ids of a shop (to re-index them when the shop's name changes). */
  async productIdsOfShop(shopId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(`SELECT id FROM shop_products WHERE shop_id = $1`, [shopId]);
    return rows.map((r) => r.id);
  }

  /** Corrects a product's in-stock flag (a page showed the shared pools disagree). */
  async setInStock(productId: string, inStock: boolean): Promise<void> {
    await this.db.query(`UPDATE search_products SET in_stock = $2 WHERE product_id = $1 AND in_stock <> $2`, [productId, inStock]);
  }

  /**
   * Indexes (or renames) a creator as their newest room names them. A new name reaches their clips' docs in the same
   * transaction (the creator row stays locked meanwhile, so a clip indexed at the same time waits and reads the new one).
   */
  async upsertCreator(c: CreatorDoc): Promise<void> {
    const t = docTerms(c.name);
    await this.addWords([t.latin]);
    await this.tx(async (db) => {
      await db.query(
        `INSERT INTO search_creators (creator_id, name, agency_id, plain, terms, latin) VALUES ($1, $2, $3, $4, $5::text[], $6)
         ON CONFLICT (creator_id) DO UPDATE SET name = EXCLUDED.name, agency_id = EXCLUDED.agency_id, plain = EXCLUDED.plain,
           terms = EXCLUDED.terms, latin = EXCLUDED.latin, indexed_at = clock_timestamp()`,
        [c.creatorId, c.name, c.agencyId, t.plain, t.terms, t.latin],
      );
      await rewriteClipDocs(db, `d.creator_id = $1 AND d.creator_name <> $2`, [c.creatorId, c.name], (doc) => ({
        ...doc,
        creatorName: c.name,
      }));
    });
  }

  async creator(creatorId: string): Promise<CreatorDoc | null> {
    const { rows } = await this.db.query(`SELECT creator_id, name, agency_id FROM search_creators WHERE creator_id = $1`, [creatorId]);
    return rows[0] ? { creatorId: rows[0].creator_id, name: rows[0].name, agencyId: rows[0].agency_id } : null;
  }

  /** Creators of an agency as rooms named them (bounded). */
  async creatorsOfAgency(agencyId: string, limit: number): Promise<CreatorDoc[]> {
    const { rows } = await this.db.query(
      `SELECT creator_id, name, agency_id FROM search_creators WHERE agency_id = $1 ORDER BY creator_id LIMIT $2`,
      [agencyId, limit],
    );
    return rows.map((r) => ({ creatorId: r.creator_id, name: r.name, agencyId: r.agency_id }));
  }

  /** Indexes a room not ended; an ended one leaves the index. */
  async putRoom(room: Room): Promise<void> {
    if (room.status === 'ended') {
      await this.removeRoom(room.id);
      return;
    }
    const t = docTerms(room.title, room.creatorName);
    await this.addWords([t.latin]);
    await this.db.query(
      `INSERT INTO search_rooms (room_id, creator_id, creator_name, title, status, scheduled_at, plain, terms, latin)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6::double precision / 1000), $7, $8::text[], $9)
       ON CONFLICT (room_id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, creator_name = EXCLUDED.creator_name,
         scheduled_at = EXCLUDED.scheduled_at, plain = EXCLUDED.plain, terms = EXCLUDED.terms, latin = EXCLUDED.latin,
         indexed_at = clock_timestamp()`,
      [room.id, room.creatorId, room.creatorName, room.title, room.status, room.scheduledAt, t.plain, t.terms, t.latin],
    );
  }

  async removeRoom(roomId: string): Promise<void> {
    await this.db.query(`DELETE FROM search_rooms WHERE room_id = $1`, [roomId]);
  }

  /**
   * Indexes a published clip (title, attached products' titles, creator name); a clip not published leaves. In one
   * transaction that reads the creator's name and the shop products' titles under a share lock, so a rename committing
   * meanwhile either waits for this write (and then rewrites it) or is read by it: the doc never keeps an old name.
   * `products` are the attached products as the room sells them (a room's own product is only known to the caller).
   */
  async putClip(
    c: Omit<ClipDoc, 'creatorName'> & { published: boolean; products: readonly { id: string; title: string }[] },
  ): Promise<void> {
    if (!c.published) {
      await this.removeClip(c.clipId);
      return;
    }
    await this.tx(async (db) => {
      const { rows: who } = await db.query<{ name: string }>(`SELECT name FROM search_creators WHERE creator_id = $1 FOR SHARE`, [
        c.creatorId,
      ]);
      const ids = c.products.map((p) => p.id);
      const shop = await shopTitles(db, ids, 'FOR SHARE');
      const titles = c.products.map((p) => shop.get(p.id) ?? p.title);
      const creatorName = who[0]?.name ?? '';
      const { rows: clip } = await db.query<{ title: string }>(`SELECT title FROM clips WHERE id = $1 AND published_at IS NOT NULL`, [
        c.clipId,
      ]);
      if (!clip[0]) return;
      const doc = clipTerms({ title: clip[0].title, creatorName, productTitles: titles });
      await this.addWordsWith(db, [doc.latin]);
      // Only while the clip exists and is published (a delete racing this write wins: no row is left behind).
      await db.query(
        `INSERT INTO search_clips (clip_id, room_id, creator_id, creator_name, title, product_id, image, plain, terms, latin,
                                   published_at, product_ids, product_titles)
         SELECT c.id, c.room_id, c.creator_id, $2, c.title, $3, $4, $5, $6::text[], $7, c.published_at, $8::text[], $9::text[]
         FROM clips c WHERE c.id = $1 AND c.published_at IS NOT NULL
         ON CONFLICT (clip_id) DO UPDATE SET creator_name = EXCLUDED.creator_name, title = EXCLUDED.title,
           product_id = EXCLUDED.product_id, image = EXCLUDED.image, plain = EXCLUDED.plain, terms = EXCLUDED.terms,
           latin = EXCLUDED.latin, published_at = EXCLUDED.published_at, product_ids = EXCLUDED.product_ids,
           product_titles = EXCLUDED.product_titles, indexed_at = clock_timestamp()`,
        [c.clipId, creatorName, c.productId, c.image, doc.plain, doc.terms, doc.latin, ids, titles],
      );
    });
  }

  /**
   * Shop products were edited, archived, put back on sale or deleted: the clip docs naming them take their titles as
   * `db` (the shops' transaction, before it commits) reads them, an archived or deleted one counting for nothing, as
   * product search treats them. Called by server/shops inside its transaction, so the rename and the docs commit together.
   */
  async shopProductsChanged(db: Db, productIds: readonly string[]): Promise<void> {
    if (!productIds.length) return;
    const shop = await shopTitles(db, productIds, '');
    const changed = new Set(productIds);
    await rewriteClipDocs(db, `d.product_ids && $1::text[]`, [productIds], (doc) => ({
      ...doc,
      productTitles: doc.productIds.map((id, i) => (changed.has(id) ? (shop.get(id) ?? '') : (doc.productTitles[i] ?? ''))),
    }));
  }

  /** Ids of indexed clips naming a product, after `after` by id (a page of `limit`; the GIN index of migration 0022). */
  async clipIdsOfProduct(productId: string, after: string, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ clip_id: string }>(
      `SELECT clip_id FROM search_clips WHERE product_ids @> ARRAY[$1::text] AND clip_id > $2 ORDER BY clip_id LIMIT $3`,
      [productId, after, limit],
    );
    return rows.map((r) => r.clip_id);
  }

  async removeClip(clipId: string): Promise<void> {
    await this.db.query(`DELETE FROM search_clips WHERE clip_id = $1`, [clipId]);
  }

  /** Product docs made by older terms code (`PRODUCT_TERMS_VERSION`), by id after `after`. */
  async staleProducts(limit: number, after = ''): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      // The version inline (a constant), so the planner uses the partial index search_products_stale.
      `SELECT product_id AS id FROM search_products WHERE terms_version < ${PRODUCT_TERMS_VERSION} AND product_id > $2
       ORDER BY product_id LIMIT $1`,
      [limit, after],
    );
    return rows.map((r) => r.id);
  }

  /**
   * A page of published clips not in the index yet (published before it existed, before migration 0022 emptied it, or
   * whose indexing failed), by id after `after` (so a clip that keeps failing is passed, not returned forever).
   */
  async unindexedClips(limit: number, after = ''): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT c.id FROM clips c WHERE c.published_at IS NOT NULL AND c.id > $2
         AND NOT EXISTS (SELECT 1 FROM search_clips s WHERE s.clip_id = c.id)
       ORDER BY c.id LIMIT $1`,
      [limit, after],
    );
    return rows.map((r) => r.id);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Storefront reads

  /**
   * A page of a shop's active products: in stock first (the index's flag), then newest; keyset after `after`
   * ([inStock 0/1, created_at as PostgreSQL wrote it, id]).
   */
  async shopProducts(
    shopId: string,
    limit: number,
    after: { inStock: number; createdAt: string; id: string } | null,
  ): Promise<(ProductDoc & { createdExact: string })[]> {
    const args: unknown[] = [shopId, limit];
    let cond = '';
    if (after) {
      args.push(after.inStock, after.createdAt, after.id);
      cond = `AND (d.in_stock::int, d.created_at, d.product_id) < ($3::int, $4::timestamptz, $5::text)`;
    }
    const { rows } = await this.db.query(
      `SELECT ${DOC_COLUMNS}, d.created_at::text AS created_exact FROM search_products d
       WHERE d.shop_id = $1 AND d.active ${cond}
       ORDER BY d.in_stock DESC, d.created_at DESC, d.product_id DESC LIMIT $2`,
      args,
    );
    return rows.map((r) => ({ ...toDoc(r), createdExact: r.created_exact as string }));
  }

  /** The lowest and highest SKU price over a shop's active products (null: none). */
  async shopPriceRange(shopId: string): Promise<{ min: number; max: number } | null> {
    const { rows } = await this.db.query(
      `SELECT min(min_price) AS min, max(max_price) AS max FROM search_products WHERE shop_id = $1 AND active`,
      [shopId],
    );
    return rows[0]?.min === null || rows[0]?.min === undefined ? null : { min: Number(rows[0].min), max: Number(rows[0].max) };
  }

  /** Active product docs by id, in the order given (unknown or archived ones left out). */
  async productDocs(ids: readonly string[]): Promise<ProductDoc[]> {
    if (!ids.length) return [];
    const { rows } = await this.db.query(`SELECT ${DOC_COLUMNS} FROM search_products d WHERE d.product_id = ANY($1::text[]) AND d.active`, [
      ids,
    ]);
    const byId = new Map(rows.map((r) => [r.product_id as string, toDoc(r)]));
    return ids.map((id) => byId.get(id)).filter((d): d is ProductDoc => d !== undefined);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Queries

  /** Expands each Latin word of the query to the vocabulary's words like it (one round trip; none without words). */
  async expand(q: QueryTerms): Promise<ExpandedQuery> {
    if (!q.words.length) return { ...q, variants: [] };
    const { rows } = await this.db.query<{ q: string; words: string[] }>(
      `SELECT w.q, ARRAY(
         SELECT v.word FROM search_words v
         WHERE v.word OPERATOR(public.%) w.q AND public.similarity(v.word, w.q) >= $2 AND v.word <> w.q
         ORDER BY public.similarity(v.word, w.q) DESC, v.word LIMIT $3
       ) AS words
       FROM unnest($1::text[]) AS w(q)`,
      [q.words, VARIANT_SIMILARITY, SEARCH_WORD_VARIANTS - 1],
    );
    const similar = new Map(rows.map((r) => [r.q, r.words]));
    return { ...q, variants: q.words.map((w) => [w, ...(similar.get(w) ?? [])]) };
  }

  /**
   * One page of products matching `q`, ranked live-now first (selected into a room live now: `liveIds`), then in stock,
   * then relevance (exact substring, then pg_trgm word similarity), then id; after `cursor` when given.
   */
  async searchProducts(
    q: ExpandedQuery,
    f: ProductFilters,
    liveIds: readonly string[],
    limit: number,
    cursor: RankCursor | null,
  ): Promise<Ranked<ProductDoc>[]> {
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const where = ['d.active', ...match(q, arg)];
    if (f.minPrice !== undefined) where.push(`d.max_price >= ${arg(f.minPrice)}`);
    if (f.maxPrice !== undefined) where.push(`d.min_price <= ${arg(f.maxPrice)}`);
    if (f.category !== undefined) {
      const c = arg(f.category);
      where.push(`(d.category = ${c} OR left(d.category, char_length(${c}) + 1) = ${c} || '.')`);
    }
    const live = `(d.product_id = ANY(${arg(liveIds)}::text[]))`;
    const rows = await this.ranked(
      `SELECT d.product_id AS id, d.shop_id, d.shop_name, d.title, d.image, d.category, d.currency, d.min_price, d.max_price,
              d.in_stock, d.sku_ids, d.created_at, ${live} AS live, d.in_stock AS stock, ${score(q, arg)} AS score
       FROM search_products d WHERE ${where.join(' AND ')}`,
      args,
      arg,
      limit,
      cursor,
    );
    return rows.map((r) => ({
      productId: r.id,
      shopId: r.shop_id,
      shopName: r.shop_name,
      title: r.title,
      image: r.image,
      category: r.category,
      currency: r.currency,
      minPrice: Number(r.min_price),
      maxPrice: Number(r.max_price),
      inStock: r.in_stock === true,
      skuIds: r.sku_ids,
      createdAt: ms(r.created_at),
      live: r.live === true,
      score: Number(r.score),
    }));
  }

  /** One page of creators matching `q`, live now first (`liveIds`), then relevance. */
  async searchCreators(
    q: ExpandedQuery,
    liveIds: readonly string[],
    limit: number,
    cursor: RankCursor | null,
  ): Promise<Ranked<CreatorDoc>[]> {
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const rows = await this.ranked(
      `SELECT d.creator_id AS id, d.name, d.agency_id, (d.creator_id = ANY(${arg(liveIds)}::text[])) AS live, true AS stock,
              ${score(q, arg)} AS score
       FROM search_creators d WHERE ${match(q, arg).join(' AND ')}`,
      args,
      arg,
      limit,
      cursor,
    );
    return rows.map((r) => ({ creatorId: r.id, name: r.name, agencyId: r.agency_id, live: r.live === true, score: Number(r.score) }));
  }

  /** One page of rooms not ended matching `q`, live ones first, then relevance. */
  async searchRooms(q: ExpandedQuery, limit: number, cursor: RankCursor | null): Promise<Ranked<RoomDoc>[]> {
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const rows = await this.ranked(
      `SELECT d.room_id AS id, d.creator_id, d.creator_name, d.title, d.status, d.scheduled_at, d.status = 'live' AS live,
              true AS stock, ${score(q, arg)} AS score
       FROM search_rooms d WHERE ${match(q, arg).join(' AND ')}`,
      args,
      arg,
      limit,
      cursor,
    );
    return rows.map((r) => ({
      roomId: r.id,
      creatorId: r.creator_id,
      creatorName: r.creator_name,
      title: r.title,
      status: r.status,
      scheduledAt: r.scheduled_at ? ms(r.scheduled_at) : null,
      live: r.live === true,
      score: Number(r.score),
    }));
  }

  /** One page of published clips matching `q`, their creator live now first (`liveCreatorIds`), then relevance. */
  async searchClips(
    q: ExpandedQuery,
    liveCreatorIds: readonly string[],
    limit: number,
    cursor: RankCursor | null,
  ): Promise<Ranked<ClipDoc>[]> {
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const rows = await this.ranked(
      `SELECT d.clip_id AS id, d.room_id, d.creator_id, d.creator_name, d.title, d.product_id, d.image,
              (d.creator_id = ANY(${arg(liveCreatorIds)}::text[])) AS live, true AS stock, ${score(q, arg)} AS score
       FROM search_clips d JOIN clips c ON c.id = d.clip_id AND c.published_at IS NOT NULL
       WHERE ${match(q, arg).join(' AND ')}`,
      args,
      arg,
      limit,
      cursor,
    );
    return rows.map((r) => ({
      clipId: r.id,
      roomId: r.room_id,
      creatorId: r.creator_id,
      creatorName: r.creator_name,
      title: r.title,
      productId: r.product_id,
      image: r.image,
      live: r.live === true,
      score: Number(r.score),
    }));
  }

  /** Orders `inner` (with columns id, live, stock, score) by rank and pages it by keyset. */
  private async ranked(
    inner: string,
    args: unknown[],
    arg: (v: unknown) => string,
    limit: number,
    cursor: RankCursor | null,
    // biome-ignore lint/suspicious/noExplicitAny: rows are mapped by each caller
  ): Promise<any[]> {
    const key = `(-(x.live::int), -(x.stock::int), -x.score, x.id)`;
    const after = cursor
      ? `WHERE ${key} > (${arg(-cursor.live)}::int, ${arg(-cursor.stock)}::int, ${arg(-cursor.score)}::int, ${arg(cursor.id)}::text)`
      : '';
    const { rows } = await this.db.query(`SELECT * FROM (${inner}) x ${after} ORDER BY ${key} LIMIT ${arg(limit)}`, args);
    return rows;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Events

  /** Writes search events (one statement). */
  async recordSearches(events: readonly { id: string; q: string; type: string; userId: string | null; results: number }[]): Promise<void> {
    if (!events.length) return;
    await this.db.query(
      `INSERT INTO search_events (id, q, type, user_id, results)
       SELECT x.id, x.q, x.type, x.user_id, x.results FROM jsonb_to_recordset($1::jsonb) AS x(id text, q text, type text, user_id text, results int)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(events.map((e) => ({ id: e.id, q: e.q, type: e.type, user_id: e.userId, results: e.results })))],
    );
  }

  /** Records a click; false if that result of that search was already clicked; null if there is no such search. */
  async recordClick(c: { searchId: string; kind: string; id: string; position: number; userId: string | null }): Promise<boolean | null> {
    try {
      const { rowCount } = await this.db.query(
        `INSERT INTO search_clicks (search_id, kind, result_id, position, user_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [c.searchId, c.kind, c.id, c.position, c.userId],
      );
      return rowCount === 1;
    } catch (err) {
      if ((err as { code?: string }).code === '23503') return null; // no such search
      throw err;
    }
  }
}

/** A query with each Latin word expanded to the vocabulary's words like it (typos), the word itself first. */
export interface ExpandedQuery extends QueryTerms {
  variants: string[][];
}

/** Words a query word expands to at most (SEARCH_WORD_VARIANTS), the most similar first. */
export const SEARCH_WORD_VARIANTS = 8;
/** Trigram similarity a vocabulary word needs to stand for a query word ("lipstik" ~ "lipstick" is 0.55). */
const VARIANT_SIMILARITY = 0.45;

/**
 * The match conditions of a query, all on the GIN-indexed term array: every CJK term present, and for each Latin word
 * one of its variants (the word, or a vocabulary word similar to it) present.
 */
function match(q: ExpandedQuery, arg: (v: unknown) => string): string[] {
  const out: string[] = [];
  if (q.cjk.length) out.push(`d.terms @> ${arg(q.cjk)}::text[]`);
  for (const v of q.variants) out.push(`d.terms && ${arg(v)}::text[]`);
  return out.length ? out : ['false'];
}

/**
 * Relevance, an integer (exact keyset comparisons): 1000 for the whole query as a substring, plus 100 per query word
 * present as written (so exact words rank above typo matches).
 */
function score(q: ExpandedQuery, arg: (v: unknown) => string): string {
  const exact = q.words.map((w) => ` + 100 * (d.terms @> ARRAY[${arg(w)}::text])::int`).join('');
  return `(CASE WHEN strpos(d.plain, ${arg(q.plain)}) > 0 THEN 1000 ELSE 0 END${exact})`;
}

/** A clip's doc as its parts make it: its title, its products' titles (a '' counts for nothing), its creator's name. */
function clipTerms(p: { title: string; creatorName: string; productTitles: readonly string[] }) {
  return docTerms(p.title, ...p.productTitles.filter((x) => x !== ''), p.creatorName);
}

/** Clip docs rewritten per transaction page (keyset by clip id), so a product in many clips is bounded in memory. */
const CLIP_REWRITE_PAGE = 500;

interface ClipParts {
  clipId: string;
  title: string;
  creatorName: string;
  productIds: string[];
  productTitles: string[];
}

/**
 * Rewrites the clip docs matching `where` (over `d`, with `args` from $1) with the parts `next` gives them, terms made
 * again from the parts. The rows are locked (FOR UPDATE) page by page in the caller's transaction.
 */
async function rewriteClipDocs(db: Db, where: string, args: unknown[], next: (doc: ClipParts) => ClipParts): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await db.query(
      `SELECT d.clip_id, d.title, d.creator_name, d.product_ids, d.product_titles FROM search_clips d
       WHERE ${where} AND d.clip_id > $${args.length + 1}
       ORDER BY d.clip_id LIMIT ${CLIP_REWRITE_PAGE} FOR UPDATE`,
      [...args, after],
    );
    if (!rows.length) return;
    const docs = rows.map((r) => {
      const parts = next({
        clipId: r.clip_id,
        title: r.title,
        creatorName: r.creator_name,
        productIds: r.product_ids,
        productTitles: r.product_titles,
      });
      const t = clipTerms(parts);
      return {
        clip_id: parts.clipId,
        creator_name: parts.creatorName,
        product_titles: parts.productTitles,
        plain: t.plain,
        terms: t.terms,
        latin: t.latin,
      };
    });
    const words = [...new Set(docs.flatMap((d) => d.latin.split(' ')).filter((w) => w.length > 0 && w.length <= 64))];
    if (words.length) {
      await db.query(`INSERT INTO search_words (word) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT DO NOTHING`, [words]);
    }
    await db.query(
      `UPDATE search_clips d SET creator_name = x.creator_name,
         product_titles = ARRAY(SELECT jsonb_array_elements_text(x.product_titles)), plain = x.plain,
         terms = ARRAY(SELECT jsonb_array_elements_text(x.terms)), latin = x.latin, indexed_at = clock_timestamp()
       FROM jsonb_to_recordset($1::jsonb) AS x(clip_id text, creator_name text, product_titles jsonb, plain text, terms jsonb, latin text)
       WHERE d.clip_id = x.clip_id`,
      [JSON.stringify(docs)],
    );
    if (rows.length < CLIP_REWRITE_PAGE) return;
    after = rows[rows.length - 1].clip_id;
  }
}

/** Titles of the shop products among `ids` that count for search (active), read with `lock`; others are not in the map. */
async function shopTitles(db: Db, ids: readonly string[], lock: '' | 'FOR SHARE'): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const { rows } = await db.query<{ id: string; title: string; status: string }>(
    `SELECT id, title, status FROM shop_products WHERE id = ANY($1::text[]) ORDER BY id ${lock}`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.status === 'active' ? r.title : '']));
}
