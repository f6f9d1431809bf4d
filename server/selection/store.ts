import type pg from 'pg';
import type {
  SelectionApplication,
  SelectionApplicationStatus,
  SelectionMarketItem,
  SelectionOffer,
  SelectionPlan,
  SelectionSettings,
} from '@hawker/protocol';
import { decodeCursor, encodeCursor } from '../ledger/orders.ts';
import { inTransaction } from '../ledger/tx.ts';
import { decideTerms, planRate, type TermsFacts } from './rules.ts';
import type { Seller } from './terms.ts';

/** A row as pg returns it; each mapper reads its own columns. */
// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped
type Row = Record<string, any>;

/** A pool or a client inside a transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

/** A keyset page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : ms(v));

const APPLICATION_COLUMNS = `a.id, a.product_id, a.shop_id, a.creator_id, a.applied_by, a.note, a.status, a.decided_by, a.decided_at,
  a.created_at, a.updated_at, a.created_at::text AS created_exact`;

/**
 * Selection's tables of migration 0004 (settings, plans, applications, offers) in PostgreSQL, on the ledger's pool.
 * Every statement is parameterised; the service decides who may and what is valid, inside the transactions run here.
 */
export class SelectionStore {
  constructor(readonly db: pg.Pool) {}

  /** Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.db, fn);
  }

  /** Serializes the writes that count one creator's rows (their pending applications) until the transaction ends. */
  async lockCreator(c: Db, creatorId: string): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('hawker:selection:creator:' || $1, 0))`, [creatorId]);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Terms

  /** Everything termsFor decides on, in one statement; null when the product is not the shop's (or does not exist). */
  async facts(seller: Seller, shopId: string, productId: string, shopOwnerId: string): Promise<TermsFacts | null> {
    const { rows } = await this.db.query(
      `SELECT p.status,
              (SELECT rate_bps FROM selection_offers WHERE product_id = p.id AND target_kind = 'creator' AND target_id = $3) AS creator_bps,
              (SELECT rate_bps FROM selection_offers WHERE product_id = p.id AND target_kind = 'agency' AND target_id = $4) AS agency_bps,
              pl.rate_bps AS plan_bps, pl.requires_approval, pl.product_id IS NOT NULL AS has_plan,
              (SELECT status FROM selection_applications WHERE product_id = p.id AND creator_id = $3) AS application,
              (SELECT default_rate_bps FROM selection_settings WHERE shop_id = p.shop_id) AS default_bps
       FROM shop_products p LEFT JOIN selection_plans pl ON pl.product_id = p.id
       WHERE p.id = $1 AND p.shop_id = $2`,
      [productId, shopId, seller.creatorId, seller.agencyId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      ownShop: seller.creatorId === shopOwnerId,
      active: r.status === 'active',
      creatorOfferBps: r.creator_bps ?? null,
      agencyOfferBps: seller.agencyId ? (r.agency_bps ?? null) : null,
      plan: r.has_plan ? { rateBps: r.plan_bps ?? null, requiresApproval: r.requires_approval === true } : null,
      application: r.application ?? null,
      defaultBps: r.default_bps ?? null,
    };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Settings

  async settings(c: Db, shopId: string): Promise<SelectionSettings> {
    const { rows } = await c.query(`SELECT default_rate_bps, updated_at FROM selection_settings WHERE shop_id = $1`, [shopId]);
    return { shopId, defaultRateBps: rows[0]?.default_rate_bps ?? null, updatedAt: msOrNull(rows[0]?.updated_at) };
  }

  async putSettings(c: Db, shopId: string, defaultRateBps: number, by: string): Promise<SelectionSettings> {
    await c.query(
      `INSERT INTO selection_settings (shop_id, default_rate_bps, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (shop_id) DO UPDATE SET default_rate_bps = $2, updated_by = $3, updated_at = clock_timestamp()`,
      [shopId, defaultRateBps, by],
    );
    return this.settings(c, shopId);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Plans

  async countPlans(c: Db, shopId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM selection_plans WHERE shop_id = $1`, [shopId]);
    return rows[0]!.n;
  }

  async plan(c: Db, productId: string): Promise<SelectionPlan | null> {
    const { rows } = await c.query(
      `SELECT pl.*, st.default_rate_bps FROM selection_plans pl LEFT JOIN selection_settings st ON st.shop_id = pl.shop_id
       WHERE pl.product_id = $1`,
      [productId],
    );
    return rows[0] ? toPlan(rows[0]) : null;
  }

  async putPlan(
    c: Db,
    shopId: string,
    productId: string,
    rateBps: number | null,
    requiresApproval: boolean,
    by: string,
  ): Promise<SelectionPlan> {
    await c.query(
      `INSERT INTO selection_plans (product_id, shop_id, rate_bps, requires_approval, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (product_id) DO UPDATE SET rate_bps = $3, requires_approval = $4, updated_at = clock_timestamp()`,
      [productId, shopId, rateBps, requiresApproval, by],
    );
    return (await this.plan(c, productId))!;
  }

  /** Closes a product's plan (its applications go with it); false if it had none. */
  async deletePlan(c: Db, productId: string): Promise<boolean> {
    const { rowCount } = await c.query(`DELETE FROM selection_plans WHERE product_id = $1`, [productId]);
    return rowCount === 1;
  }

  async listPlans(c: Db, shopId: string, limit: number, cursor?: string): Promise<Page<SelectionPlan>> {
    const args: unknown[] = [shopId, limit + 1];
    let after = '';
    if (cursor) {
      const k = decodeCursor(cursor);
      args.push(k.createdAt, k.id);
      after = 'AND (pl.created_at, pl.product_id) > ($3::timestamptz, $4)';
    }
    const { rows } = await c.query(
      `SELECT pl.*, st.default_rate_bps, pl.created_at::text AS created_exact
       FROM selection_plans pl LEFT JOIN selection_settings st ON st.shop_id = pl.shop_id
       WHERE pl.shop_id = $1 ${after} ORDER BY pl.created_at, pl.product_id LIMIT $2`,
      args,
    );
    return page(rows, limit, toPlan, (r) => encodeCursor(r.created_exact, r.product_id));
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Offers

  async countOffers(c: Db, shopId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM selection_offers WHERE shop_id = $1`, [shopId]);
    return rows[0]!.n;
  }

  async offerFor(c: Db, productId: string, kind: string, targetId: string): Promise<SelectionOffer | null> {
    const { rows } = await c.query(`SELECT * FROM selection_offers WHERE product_id = $1 AND target_kind = $2 AND target_id = $3`, [
      productId,
      kind,
      targetId,
    ]);
    return rows[0] ? toOffer(rows[0]) : null;
  }

  async offer(c: Db, id: string): Promise<SelectionOffer | null> {
    const { rows } = await c.query(`SELECT * FROM selection_offers WHERE id = $1`, [id]);
    return rows[0] ? toOffer(rows[0]) : null;
  }

  async putOffer(
    c: Db,
    o: { id: string; shopId: string; productId: string; kind: string; targetId: string; rateBps: number; by: string },
  ): Promise<SelectionOffer> {
    const { rows } = await c.query(
      `INSERT INTO selection_offers (id, shop_id, product_id, target_kind, target_id, rate_bps, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (product_id, target_kind, target_id) DO UPDATE SET rate_bps = $6, updated_at = clock_timestamp()
       RETURNING *`,
      [o.id, o.shopId, o.productId, o.kind, o.targetId, o.rateBps, o.by],
    );
    return toOffer(rows[0]);
  }

  async deleteOffer(c: Db, id: string): Promise<void> {
    await c.query(`DELETE FROM selection_offers WHERE id = $1`, [id]);
  }

  async listOffers(c: Db, shopId: string, limit: number, cursor?: string): Promise<Page<SelectionOffer>> {
    const args: unknown[] = [shopId, limit + 1];
    let after = '';
    if (cursor) {
      const k = decodeCursor(cursor);
      args.push(k.createdAt, k.id);
      after = 'AND (created_at, id) > ($3::timestamptz, $4)';
    }
    const { rows } = await c.query(
      `SELECT *, created_at::text AS created_exact FROM selection_offers WHERE shop_id = $1 ${after}
       ORDER BY created_at, id LIMIT $2`,
      args,
    );
    return page(rows, limit, toOffer, (r) => encodeCursor(r.created_exact, r.id));
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Applications

  async countPending(c: Db, creatorId: string): Promise<number> {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM selection_applications WHERE creator_id = $1 AND status = 'pending'`,
      [creatorId],
    );
    return rows[0]!.n;
  }

  async applicationOf(c: Db, productId: string, creatorId: string): Promise<SelectionApplication | null> {
    const { rows } = await c.query(
      `SELECT ${APPLICATION_COLUMNS} FROM selection_applications a WHERE product_id = $1 AND creator_id = $2`,
      [productId, creatorId],
    );
    return rows[0] ? toApplication(rows[0]) : null;
  }

  /** The application, its row locked until the transaction ends (decisions on one application are serialized). */
  async lockApplication(c: Db, id: string): Promise<SelectionApplication | null> {
    const { rows } = await c.query(`SELECT ${APPLICATION_COLUMNS} FROM selection_applications a WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toApplication(rows[0]) : null;
  }

  /** A new application, or a refused one made pending again. */
  async apply(
    c: Db,
    a: { id: string; productId: string; shopId: string; creatorId: string; appliedBy: string; note: string },
  ): Promise<SelectionApplication> {
    const { rows } = await c.query(
      `INSERT INTO selection_applications AS a (id, product_id, shop_id, creator_id, applied_by, note, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending')
       ON CONFLICT (product_id, creator_id) DO UPDATE SET status = 'pending', applied_by = $5, note = $6, decided_by = NULL,
         decided_at = NULL, updated_at = clock_timestamp()
       RETURNING ${APPLICATION_COLUMNS}`,
      [a.id, a.productId, a.shopId, a.creatorId, a.appliedBy, a.note],
    );
    return toApplication(rows[0]);
  }

  async decide(c: Db, id: string, status: 'approved' | 'refused', by: string): Promise<SelectionApplication> {
    const { rows } = await c.query(
      `UPDATE selection_applications a SET status = $2, decided_by = $3, decided_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE id = $1 RETURNING ${APPLICATION_COLUMNS}`,
      [id, status, by],
    );
    return toApplication(rows[0]);
  }

  async listApplications(
    c: Db,
    by: { shopId: string } | { creatorId: string },
    f: { status?: SelectionApplicationStatus; limit: number; cursor?: string },
  ): Promise<Page<SelectionApplication>> {
    const args: unknown[] = ['shopId' in by ? by.shopId : by.creatorId, f.limit + 1];
    const where = ['shopId' in by ? 'a.shop_id = $1' : 'a.creator_id = $1'];
    if (f.status) {
      args.push(f.status);
      where.push(`a.status = $${args.length}`);
    }
    if (f.cursor) {
      const k = decodeCursor(f.cursor);
      args.push(k.createdAt, k.id);
      where.push(`(a.created_at, a.id) > ($${args.length - 1}::timestamptz, $${args.length})`);
    }
    const { rows } = await c.query(
      `SELECT ${APPLICATION_COLUMNS} FROM selection_applications a WHERE ${where.join(' AND ')} ORDER BY a.created_at, a.id LIMIT $2`,
      args,
    );
    return page(rows, f.limit, toApplication, (r) => encodeCursor(r.created_exact, r.id));
  }

  // -------------------------------------------------------------------------------------------------------------------
  // The selection market

  /**
   * Active products of other shops that are in an open plan or offered to the seller (by name or through their
   * agency), with the seller's terms, by product id. A product in a plan that requires approval is listed with where
   * the seller's application stands.
   */
  async market(seller: Seller, limit: number, cursor?: string): Promise<Page<SelectionMarketItem>> {
    const args: unknown[] = [seller.creatorId, seller.agencyId, limit + 1];
    let after = '';
    if (cursor) {
      args.push(decodeCursor(cursor).id);
      after = 'AND p.id > $4';
    }
    const { rows } = await this.db.query(
      `WITH candidates AS (
         SELECT product_id FROM selection_plans
         UNION SELECT product_id FROM selection_offers WHERE target_kind = 'creator' AND target_id = $1
         UNION SELECT product_id FROM selection_offers WHERE target_kind = 'agency' AND target_id = $2
       )
       SELECT p.id, p.shop_id, p.title, p.images[1] AS image, p.category, s.name AS shop_name, s.currency,
              (SELECT rate_bps FROM selection_offers WHERE product_id = p.id AND target_kind = 'creator' AND target_id = $1) AS creator_bps,
              (SELECT rate_bps FROM selection_offers WHERE product_id = p.id AND target_kind = 'agency' AND target_id = $2) AS agency_bps,
              pl.rate_bps AS plan_bps, pl.requires_approval, pl.product_id IS NOT NULL AS has_plan,
              (SELECT status FROM selection_applications WHERE product_id = p.id AND creator_id = $1) AS application,
              st.default_rate_bps AS default_bps
       FROM candidates cd JOIN shop_products p ON p.id = cd.product_id JOIN shops s ON s.id = p.shop_id
       LEFT JOIN selection_plans pl ON pl.product_id = p.id LEFT JOIN selection_settings st ON st.shop_id = p.shop_id
       WHERE p.status = 'active' AND s.owner_id <> $1 ${after}
       ORDER BY p.id LIMIT $3`,
      args,
    );
    const items: SelectionMarketItem[] = [];
    for (const r of rows.slice(0, limit)) {
      const facts: TermsFacts = {
        ownShop: false,
        active: true,
        creatorOfferBps: r.creator_bps ?? null,
        agencyOfferBps: seller.agencyId ? (r.agency_bps ?? null) : null,
        plan: r.has_plan ? { rateBps: r.plan_bps ?? null, requiresApproval: r.requires_approval === true } : null,
        application: r.application ?? null,
        defaultBps: r.default_bps ?? null,
      };
      const terms = decideTerms(facts);
      const base = {
        productId: r.id,
        shopId: r.shop_id,
        shopName: r.shop_name,
        title: r.title,
        image: r.image,
        category: r.category,
        currency: r.currency,
      };
      if (terms && terms.rateBps !== null) {
        items.push({ ...base, rateBps: terms.rateBps, source: terms.source, access: 'open' });
        continue;
      }
      const rate = planRate(facts.plan, facts.defaultBps);
      if (rate === null) continue;
      const access = facts.application === 'pending' ? 'pending' : facts.application === 'refused' ? 'refused' : 'apply';
      items.push({ ...base, rateBps: rate, source: facts.plan?.rateBps === null ? 'shop-default' : 'plan', access });
    }
    const last = rows[limit - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor('1970-01-01 00:00:00+00', last.id) : null };
  }
}

function page<T>(rows: Row[], limit: number, map: (r: Row) => T, key: (r: Row) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(map), nextCursor: rows.length > limit && last ? key(last) : null };
}

function toPlan(r: Row): SelectionPlan {
  const rateBps = r.rate_bps ?? null;
  return {
    productId: r.product_id,
    shopId: r.shop_id,
    rateBps,
    effectiveRateBps: rateBps ?? r.default_rate_bps ?? null,
    requiresApproval: r.requires_approval === true,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
  };
}

function toOffer(r: Row): SelectionOffer {
  return {
    id: r.id,
    shopId: r.shop_id,
    productId: r.product_id,
    target: { kind: r.target_kind, id: r.target_id },
    rateBps: r.rate_bps,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
  };
}

function toApplication(r: Row): SelectionApplication {
  return {
    id: r.id,
    productId: r.product_id,
    shopId: r.shop_id,
    creatorId: r.creator_id,
    appliedBy: r.applied_by,
    note: r.note,
    status: r.status,
    decidedBy: r.decided_by ?? null,
    decidedAt: msOrNull(r.decided_at),
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
  };
}
