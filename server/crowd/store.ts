import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { CrowdScopeKind, CrowdSource } from '@hawker/protocol';
import { inTransaction } from '../ledger/tx.ts';
import type { CrowdBatch, CrowdSink } from './pipeline.ts';
import type { PersonFacts } from './stages.ts';

/**
 * SQL: the orders (alias `o`) of a scope, `$2` being its id: a shop's by shop_id, an agency's by agency_id, a
 * creator's by the creator credited (shop products) or, for a room's own product (no creator on the order), its room.
 */
const ORDERS_OF: Record<CrowdScopeKind, string> = {
  creator: `(o.creator_id = $2 OR (o.creator_id IS NULL AND o.room_id IN (SELECT room_id FROM crowd_rooms WHERE creator_id = $2)))`,
  agency: 'o.agency_id = $2',
  shop: 'o.shop_id = $2',
};

/** Rows per upsert statement (see CrowdStore.write). */
const WRITE_CHUNK = 2_000;
function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) yield rows.slice(i, i + WRITE_CHUNK);
}

/** SHA-256 of a user id, hex: how an erased person is recognised without keeping their id. */
export const userDigest = (userId: string) => createHash('sha256').update(userId, 'utf8').digest('hex');

/** SQL: true when the text expression `col` is an erased person (by digest) or an erasure's pseudonym. */
const erased = (col: string) =>
  `EXISTS (SELECT 1 FROM crowd_erasures e WHERE e.user_digest = encode(sha256(convert_to(${col}, 'UTF8')), 'hex') OR e.pseudonym = ${col})`;

/** Day index (days since 1970-01-01, UTC) of a date column. */
const dayIndex = (col: string) => `(${col} - DATE '1970-01-01')`;

/** Orders of a room as the report reads them: the ledger's rows, acknowledged (not the supervisor's tombstones). */
export interface RoomMoney {
  orders: number;
  paidOrders: number;
  buyers: number;
  payers: number;
  gmv: Record<string, number>;
  refunds: Record<string, number>;
}

/**
 * The crowd tables (migration 0013) and what the crowd and the report read from the ledger. Batches are written as
 * one multi-row upsert per table (unnest of arrays: one round trip and one statement per table whatever the batch
 * size); rows of erased people are filtered inside the statement, so events buffered on any node when a person was
 * erased never bring them back.
 */
export class CrowdStore implements CrowdSink {
  constructor(private readonly pool: pg.Pool) {}

  async write(nodeId: string, b: CrowdBatch): Promise<void> {
    const c = await this.pool.connect();
    try {
      // At most WRITE_CHUNK rows per statement: building and serialising a statement's arrays runs on the node's event
      // loop, so a big batch (a room's first flush after thousands of joins) is cut into short steps, not one long one.
      for (const rows of chunks([...b.daily.values()])) {
        await c.query(
          `INSERT INTO crowd_daily AS d (scope_kind, scope_id, day, user_id, watch_seconds, likes, clicks, follows, searches, visits, sources)
           SELECT k, s, dy::date, u, w, l, cl, f, se, v, string_to_array(src, ',')
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[])
                  AS t(k, s, dy, u, w, l, cl, f, se, v, src)
            WHERE NOT ${erased('u')}
           ON CONFLICT (scope_kind, scope_id, day, user_id) DO UPDATE SET
             watch_seconds = d.watch_seconds + EXCLUDED.watch_seconds, likes = d.likes + EXCLUDED.likes,
             clicks = d.clicks + EXCLUDED.clicks, follows = d.follows + EXCLUDED.follows,
             searches = d.searches + EXCLUDED.searches, visits = d.visits + EXCLUDED.visits,
             sources = ARRAY(SELECT DISTINCT x FROM unnest(d.sources || EXCLUDED.sources) x ORDER BY x)`,
          [
            rows.map((r) => r.scope.kind),
            rows.map((r) => r.scope.id),
            rows.map((r) => r.day),
            rows.map((r) => r.userId),
            rows.map((r) => r.c.watchSeconds),
            rows.map((r) => r.c.likes),
            rows.map((r) => r.c.clicks),
            rows.map((r) => r.c.follows),
            rows.map((r) => r.c.searches),
            rows.map((r) => r.c.visits),
            rows.map((r) => [...r.c.sources].sort().join(',')),
          ],
        );
      }
      for (const rows of chunks([...b.viewers.values()])) {
        await c.query(
          `INSERT INTO room_viewers AS v (room_id, user_id, first_at, watch_seconds, clicks, source)
           SELECT r, u, to_timestamp(f / 1000.0), w, cl, coalesce(src, 'live')
             FROM unnest($1::text[], $2::text[], $3::float8[], $4::bigint[], $5::int[], $6::text[]) AS t(r, u, f, w, cl, src)
            WHERE NOT ${erased('u')}
           ON CONFLICT (room_id, user_id) DO UPDATE SET
             first_at = least(v.first_at, EXCLUDED.first_at), watch_seconds = v.watch_seconds + EXCLUDED.watch_seconds,
             clicks = v.clicks + EXCLUDED.clicks,
             source = CASE WHEN v.source = 'live' THEN EXCLUDED.source ELSE v.source END`,
          [
            rows.map((r) => r.roomId),
            rows.map((r) => r.userId),
            rows.map((r) => r.c.firstAt),
            rows.map((r) => r.c.watchSeconds),
            rows.map((r) => r.c.clicks),
            rows.map((r) => r.c.source),
          ],
        );
      }
      for (const rows of chunks([...b.minutes.values()])) {
        await c.query(
          `INSERT INTO room_minutes AS m (room_id, minute, node_id, viewers, joins, likes, clicks)
           SELECT r, to_timestamp(mi / 1000.0), $1, vw, j, l, cl
             FROM unnest($2::text[], $3::float8[], $4::int[], $5::int[], $6::int[], $7::int[]) AS t(r, mi, vw, j, l, cl)
           ON CONFLICT (room_id, minute, node_id) DO UPDATE SET
             viewers = greatest(m.viewers, EXCLUDED.viewers), joins = m.joins + EXCLUDED.joins,
             likes = m.likes + EXCLUDED.likes, clicks = m.clicks + EXCLUDED.clicks`,
          [
            nodeId,
            rows.map((r) => r.roomId),
            rows.map((r) => r.minute),
            rows.map((r) => r.c.viewers),
            rows.map((r) => r.c.joins),
            rows.map((r) => r.c.likes),
            rows.map((r) => r.c.clicks),
          ],
        );
      }
      if (b.markers.length) {
        await c.query(
          `INSERT INTO room_markers (room_id, at, kind, product_id)
           SELECT r, to_timestamp(a / 1000.0), k, p FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[]) AS t(r, a, k, p)`,
          [b.markers.map((m) => m.roomId), b.markers.map((m) => m.at), b.markers.map((m) => m.kind), b.markers.map((m) => m.productId)],
        );
      }
    } finally {
      c.release();
    }
  }

  /**
   * Every person of a scope up to day `to` (inclusive, day index): their interest days (a day with at least
   * `minWatch` seconds watched, or a like, click, follow or search) and their paid orders' days. At most `max` + 1
   * people are returned, so the caller can refuse a crowd over its limit.
   */
  async people(kind: CrowdScopeKind, id: string, to: number, minWatch: number, max: number): Promise<PersonFacts[]> {
    const { rows } = await this.pool.query<{ user_id: string; active: number[] | null; paid: number[] | null }>(
      `WITH a AS (
         SELECT user_id, array_agg(${dayIndex('day')} ORDER BY day) AS active
           FROM crowd_daily
          WHERE scope_kind = $1 AND scope_id = $2 AND ${dayIndex('day')} <= $3
            AND (watch_seconds >= $4 OR likes + clicks + follows + searches > 0)
          GROUP BY user_id),
       p AS (
         SELECT buyer_id AS user_id, array_agg(${dayIndex("(paid_at AT TIME ZONE 'UTC')::date")} ORDER BY paid_at) AS paid
           FROM orders o
          WHERE ${ORDERS_OF[kind]} AND status = 'paid' AND acknowledged
            AND ${dayIndex("(paid_at AT TIME ZONE 'UTC')::date")} <= $3 AND NOT ${erased('o.buyer_id')}
          GROUP BY buyer_id)
       SELECT coalesce(a.user_id, p.user_id) AS user_id, a.active, p.paid
         FROM a FULL JOIN p ON p.user_id = a.user_id
        ORDER BY 1 LIMIT $5`,
      [kind, id, to, minWatch, max + 1],
    );
    return rows.map((r) => ({ userId: r.user_id, active: r.active ?? [], paid: r.paid ?? [] }));
  }

  /** People who came through each source in [from, to], how many of them paid in the scope then, and paid orders by channel. */
  async sources(
    kind: CrowdScopeKind,
    id: string,
    from: number,
    to: number,
  ): Promise<{ bySource: Map<string, { people: number; buyers: number }>; byChannel: Map<string, number> }> {
    const paidIn = `${ORDERS_OF[kind]} AND status = 'paid' AND acknowledged
      AND ${dayIndex("(paid_at AT TIME ZONE 'UTC')::date")} BETWEEN $3 AND $4`;
    const [s, ch] = await Promise.all([
      this.pool.query<{ source: string; people: number; buyers: number }>(
        `WITH src AS (
           SELECT DISTINCT x AS source, user_id FROM crowd_daily, unnest(sources) x
            WHERE scope_kind = $1 AND scope_id = $2 AND ${dayIndex('day')} BETWEEN $3 AND $4),
         paid AS (SELECT DISTINCT buyer_id FROM orders o WHERE ${paidIn})
         SELECT source, count(*)::int AS people, count(paid.buyer_id)::int AS buyers
           FROM src LEFT JOIN paid ON paid.buyer_id = src.user_id GROUP BY source`,
        [kind, id, from, to],
      ),
      this.pool.query<{ channel: string; n: number }>(
        `SELECT channel, count(*)::int AS n FROM orders o WHERE $1::text IS NOT NULL AND ${paidIn} GROUP BY channel`,
        [kind, id, from, to],
      ),
    ]);
    return {
      bySource: new Map(s.rows.map((r) => [r.source, { people: r.people, buyers: r.buyers }])),
      byChannel: new Map(ch.rows.map((r) => [r.channel, r.n])),
    };
  }

  /**
   * Erases a person: their crowd rows are deleted, their search events unlinked, and every ledger row naming them
   * (orders, refund requests, order and refund actors) takes a pseudonym instead; amounts are untouched. One
   * transaction. A second request for the same person finds their digest and re-applies the same pseudonym (rows
   * written since, e.g. an order placed after the first request, are anonymised too).
   */
  erase(userId: string, by: 'self' | 'admin'): Promise<{ first: boolean; ledgerRows: number; crowdRows: number }> {
    return inTransaction(this.pool, async (c) => {
      const digest = userDigest(userId);
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`hawker:crowd:erase:${digest}`]);
      const known = await c.query<{ pseudonym: string }>('SELECT pseudonym FROM crowd_erasures WHERE user_digest = $1', [digest]);
      const pseudonym = known.rows[0]?.pseudonym ?? `erased_${randomBytes(12).toString('hex')}`;
      if (!known.rows.length) {
        await c.query('INSERT INTO crowd_erasures (user_digest, pseudonym, requested_by) VALUES ($1, $2, $3)', [digest, pseudonym, by]);
      }
      let crowdRows = 0;
      // Whom they follow and the notices they were given are theirs too: gone, not pseudonymised (no amounts in them).
      for (const sql of [
        'DELETE FROM crowd_daily WHERE user_id = $1',
        'DELETE FROM room_viewers WHERE user_id = $1',
        'DELETE FROM follows WHERE user_id = $1',
        'DELETE FROM notices WHERE user_id = $1',
      ]) {
        crowdRows += (await c.query(sql, [userId])).rowCount ?? 0;
      }
      await c.query('UPDATE search_events SET user_id = NULL WHERE user_id = $1', [userId]);
      await c.query('UPDATE search_clicks SET user_id = NULL WHERE user_id = $1', [userId]);
      let ledgerRows = 0;
      for (const sql of [
        'UPDATE orders SET buyer_id = $2 WHERE buyer_id = $1',
        'UPDATE refund_requests SET buyer_id = $2 WHERE buyer_id = $1',
        'UPDATE order_events SET actor = $2 WHERE actor = $1',
        'UPDATE refunds SET actor = $2 WHERE actor = $1',
      ]) {
        ledgerRows += (await c.query(sql, [userId, pseudonym])).rowCount ?? 0;
      }
      return { first: !known.rows.length, ledgerRows, crowdRows };
    });
  }

  /** The report's viewer figures of a room (room_viewers, room_minutes, room_markers). */
  async roomAudience(roomId: string) {
    const [v, src, mins, marks] = await Promise.all([
      this.pool.query<{ total: number; watch: string; likes: number; clicks: number; clickers: number }>(
        `SELECT count(*)::int AS total, coalesce(sum(watch_seconds), 0)::text AS watch,
                (SELECT coalesce(sum(likes), 0) FROM room_minutes WHERE room_id = $1)::int AS likes,
                coalesce(sum(clicks), 0)::int AS clicks, (count(*) FILTER (WHERE clicks > 0))::int AS clickers
           FROM room_viewers WHERE room_id = $1`,
        [roomId],
      ),
      this.pool.query<{ source: CrowdSource; n: number }>(
        'SELECT source, count(*)::int AS n FROM room_viewers WHERE room_id = $1 GROUP BY source ORDER BY source',
        [roomId],
      ),
      this.pool.query<{ at: string; viewers: number }>(
        `SELECT (extract(epoch FROM minute) * 1000)::bigint::text AS at, sum(viewers)::int AS viewers
           FROM room_minutes WHERE room_id = $1 GROUP BY minute ORDER BY minute`,
        [roomId],
      ),
      this.pool.query<{ at: string; kind: 'pin' | 'sale'; product_id: string | null }>(
        `SELECT (extract(epoch FROM at) * 1000)::bigint::text AS at, kind, product_id FROM room_markers WHERE room_id = $1 ORDER BY at, id LIMIT 1000`,
        [roomId],
      ),
    ]);
    const r = v.rows[0]!;
    return {
      total: r.total,
      watchSeconds: Number(r.watch),
      likes: r.likes,
      clicks: r.clicks,
      clickers: r.clickers,
      sources: src.rows.map((s) => ({ source: s.source, viewers: s.n })),
      minutes: mins.rows.map((m) => ({ at: Number(m.at), viewers: m.viewers })),
      markers: marks.rows.map((m) => ({ at: Number(m.at), kind: m.kind, productId: m.product_id })),
    };
  }

  /** The room's orders as the ledger has them (acknowledged rows): counts, distinct buyers and payers, GMV, refunds. */
  async roomMoney(roomId: string): Promise<RoomMoney> {
    const { rows } = await this.pool.query<{ currency: string; orders: number; paid: number; gmv: string; refunds: string }>(
      `SELECT currency, count(*)::int AS orders, (count(*) FILTER (WHERE status = 'paid'))::int AS paid,
              coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0)::text AS gmv,
              coalesce(sum(refunded_amount) FILTER (WHERE status = 'paid'), 0)::text AS refunds
         FROM orders WHERE room_id = $1 AND acknowledged GROUP BY currency`,
      [roomId],
    );
    const people = await this.pool.query<{ buyers: number; payers: number }>(
      `SELECT count(DISTINCT buyer_id)::int AS buyers, (count(DISTINCT buyer_id) FILTER (WHERE status = 'paid'))::int AS payers
         FROM orders WHERE room_id = $1 AND acknowledged`,
      [roomId],
    );
    const out: RoomMoney = {
      orders: 0,
      paidOrders: 0,
      buyers: people.rows[0]!.buyers,
      payers: people.rows[0]!.payers,
      gmv: {},
      refunds: {},
    };
    for (const r of rows) {
      out.orders += r.orders;
      out.paidOrders += r.paid;
      if (r.paid > 0) {
        out.gmv[r.currency] = Number(r.gmv);
        out.refunds[r.currency] = Number(r.refunds);
      }
    }
    return out;
  }

  /** Paid orders and GMV per minute of payment, in one currency. */
  async roomMoneyMinutes(roomId: string, currency: string): Promise<{ at: number; paidOrders: number; gmv: number }[]> {
    const { rows } = await this.pool.query<{ at: string; n: number; gmv: string }>(
      `SELECT (extract(epoch FROM date_trunc('minute', paid_at)) * 1000)::bigint::text AS at, count(*)::int AS n, sum(amount)::text AS gmv
         FROM orders WHERE room_id = $1 AND acknowledged AND status = 'paid' AND currency = $2
        GROUP BY 1 ORDER BY 1`,
      [roomId, currency],
    );
    return rows.map((r) => ({ at: Number(r.at), paidOrders: r.n, gmv: Number(r.gmv) }));
  }

  /**
   * The room's payers split: repeat when they had a paid order credited to the same creator outside this room, paid
   * before their first paid order here; new otherwise.
   */
  async roomBuyers(roomId: string, creatorId: string): Promise<{ new: number; repeat: number }> {
    const { rows } = await this.pool.query<{ fresh: number; repeat: number }>(
      `WITH here AS (
         SELECT buyer_id, min(paid_at) AS first_paid FROM orders
          WHERE room_id = $1 AND acknowledged AND status = 'paid' GROUP BY buyer_id)
       SELECT (count(*) FILTER (WHERE NOT before))::int AS fresh, (count(*) FILTER (WHERE before))::int AS repeat
         FROM (SELECT h.buyer_id, EXISTS (
                 SELECT 1 FROM orders o WHERE o.buyer_id = h.buyer_id AND ${ORDERS_OF.creator} AND o.status = 'paid'
                    AND o.acknowledged AND o.room_id IS DISTINCT FROM $1 AND o.paid_at < h.first_paid) AS before
                 FROM here h) x`,
      [roomId, creatorId],
    );
    return { new: rows[0]!.fresh, repeat: rows[0]!.repeat };
  }

  /** Remembers a room's creator and agency (fixed at creation). */
  async room(roomId: string, creatorId: string, agencyId: string | null): Promise<void> {
    await this.pool.query('INSERT INTO crowd_rooms (room_id, creator_id, agency_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      roomId,
      creatorId,
      agencyId,
    ]);
  }

  /** Follows of `creatorId` made in [from, to] (ms) that still stand. */
  async newFollowers(creatorId: string, from: number, to: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM follows WHERE creator_id = $1 AND created_at BETWEEN to_timestamp($2 / 1000.0) AND to_timestamp($3 / 1000.0)`,
      [creatorId, from, to],
    );
    return rows[0]!.n;
  }
}
