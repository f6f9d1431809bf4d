import type pg from 'pg';
import type { Notice, NoticeKind } from '@hawker/protocol';
import { inTransaction } from '../ledger/tx.ts';

/** What every follower's copy of one notice shares (the row's `body`). */
export interface NoticeBody {
  creatorName: string;
  title: string;
  scheduledAt: number | null;
}

/** One notice event: the same id for every follower (a retried batch inserts nothing twice). */
export interface NoticeEvent extends NoticeBody {
  id: string;
  kind: NoticeKind;
  creatorId: string;
  roomId: string;
  at: number;
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

/** Follows and notices in PostgreSQL (migrations 0010 and 0020). */
export class FollowStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Follows `creatorId` unless the user already does, under the user's advisory lock so the count and the insert are
   * one step: 'full' (nothing written) when the user follows `max` creators already.
   */
  follow(userId: string, creatorId: string, max: number): Promise<'added' | 'already' | 'full'> {
    return inTransaction(this.pool, async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`hawker:follows:user:${userId}`]);
      const { rows } = await c.query(
        `SELECT EXISTS (SELECT 1 FROM follows WHERE user_id = $1 AND creator_id = $2) AS already,
                (SELECT count(*)::int FROM follows WHERE user_id = $1) AS n`,
        [userId, creatorId],
      );
      if (rows[0].already) return 'already';
      if (rows[0].n >= max) return 'full';
      await c.query(`INSERT INTO follows (user_id, creator_id) VALUES ($1, $2)`, [userId, creatorId]);
      return 'added';
    });
  }

  async unfollow(userId: string, creatorId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM follows WHERE user_id = $1 AND creator_id = $2`, [userId, creatorId]);
    return rowCount === 1;
  }

  async isFollowing(userId: string, creatorId: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM follows WHERE user_id = $1 AND creator_id = $2`, [userId, creatorId]);
    return rows.length > 0;
  }

  async followers(creatorId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM follows WHERE creator_id = $1`, [creatorId]);
    return rows[0]!.n;
  }

  /** A page of whom the user follows, newest first; keyset after [created_at text, creator id]. */
  async following(
    userId: string,
    limit: number,
    after: [string, string] | null,
  ): Promise<{ creatorId: string; name: string | null; since: number; exact: string }[]> {
    const args: unknown[] = [userId, limit];
    let cond = '';
    if (after) {
      args.push(after[0], after[1]);
      cond = 'AND (f.created_at, f.creator_id) < ($3::timestamptz, $4::text)';
    }
    const { rows } = await this.pool.query(
      `SELECT f.creator_id, c.name, f.created_at, f.created_at::text AS exact
       FROM follows f LEFT JOIN search_creators c ON c.creator_id = f.creator_id
       WHERE f.user_id = $1 ${cond} ORDER BY f.created_at DESC, f.creator_id DESC LIMIT $2`,
      args,
    );
    return rows.map((r) => ({ creatorId: r.creator_id, name: r.name, since: ms(r.created_at), exact: r.exact }));
  }

  /**
   * One fan-out batch: the notice for the next `batch` followers of the event's creator after `after` and up to `until`
   * (by user id), inserted once per user (a retried batch inserts nothing twice), each user's list then trimmed to its
   * newest `keep` (a list is read newest first through the primary key's user id prefix: at most `keep` rows to sort,
   * so no second index per notice, migration 0022). Returns the users the notice was newly given to and the last user id of the batch (null: no
   * followers left).
   *
   * Both statements commit asynchronously (`synchronous_commit = off`): a notice is not money, and a fan-out of a million
   * followers would otherwise wait for two WAL flushes per batch. The caller makes the batches durable with
   * {@link flush} before it records progress, so a PostgreSQL crash only makes a retry redo the batches since then.
   *
   * JIT is off for both (`jit = off`): while a fan-out fills the notices table its statistics lag behind it, the planner
   * then costs the trim over PostgreSQL's JIT threshold, and compiling it took over a second per batch (bench:notices:
   * 3-4x the whole fan-out's time at 200,000 followers, docs/benchmarks.md) for a statement that runs in milliseconds.
   */
  async deliver(
    e: NoticeEvent,
    after: string,
    until: string,
    batch: number,
    keep: number,
  ): Promise<{ users: string[]; last: string | null }> {
    const body: NoticeBody = { creatorName: e.creatorName, title: e.title, scheduledAt: e.scheduledAt };
    // One statement: the event's shared row (once), the page of followers and their rows (migration 0020).
    const { rows } = await inTransaction(this.pool, async (c) => {
      await c.query('SET LOCAL synchronous_commit = off; SET LOCAL jit = off');
      return c.query<{ ids: string[] | null; users: string[] | null }>(
        `WITH ev AS (
           INSERT INTO notice_events (id, kind, creator_id, room_id, body, at)
           VALUES ($1, $2, $3, $4, $5::jsonb, to_timestamp($6::double precision / 1000)) ON CONFLICT (id) DO NOTHING
         ), page AS (
           SELECT user_id FROM follows WHERE creator_id = $3 AND user_id > $7 AND user_id <= $8 ORDER BY user_id LIMIT $9
         ), ins AS (
           INSERT INTO notices (user_id, id, at)
           SELECT user_id, $1, to_timestamp($6::double precision / 1000) FROM page
           ON CONFLICT DO NOTHING RETURNING user_id
         )
         SELECT (SELECT array_agg(user_id ORDER BY user_id) FROM page) AS ids, (SELECT array_agg(user_id) FROM ins) AS users`,
        [e.id, e.kind, e.creatorId, e.roomId, JSON.stringify(body), e.at, after, until, batch],
      );
    });
    const ids = rows[0]?.ids ?? [];
    if (!ids.length) return { users: [], last: null };
    // Bounded lists (NOTICES_PER_USER): each user of the batch keeps their newest `keep`. A statement of its own, after
    // the insert committed: of two fan-outs reaching one user at once, the later trim then sees both notices (two
    // transactions each inserting and trimming could leave keep + 1). Every user of the batch, not only those added
    // now, so a retried batch whose first attempt died before trimming still trims.
    // The rows past the bound are deleted by their ctid (a TID scan) rather than joined back on the key: with the
    // statistics a fan-out leaves stale, the planner hashed the whole notices table for that join, once per batch (1 s
    // a batch at 200,000 rows; the TID scan's cost does not grow with the table). A row whose read mark changes during
    // the trim has a new ctid and stays: that list is one over its bound until its next trim.
    await inTransaction(this.pool, async (c) => {
      await c.query('SET LOCAL synchronous_commit = off; SET LOCAL jit = off');
      await c.query(
        `DELETE FROM notices WHERE ctid = ANY(ARRAY(
           SELECT x.ctid FROM unnest($1::text[]) AS u(uid)
           CROSS JOIN LATERAL (SELECT ctid FROM notices WHERE user_id = u.uid ORDER BY at DESC, id DESC OFFSET $2) x
         ))`,
        [ids, keep],
      );
    });
    return { users: rows[0]?.users ?? [], last: ids[ids.length - 1]! };
  }

  /**
   * Makes every batch committed so far durable: a synchronous commit of a transaction with an id flushes the WAL up to
   * its commit record, and with it every asynchronous commit before it.
   */
  async flush(): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_current_xact_id()');
    });
  }

  /**
   * The last user id of the next `size` followers of a creator after `after` (an index-only scan of follows_creator),
   * or null when none follow after it: where a fan-out range ends.
   */
  async rangeEnd(creatorId: string, after: string, size: number): Promise<string | null> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      `SELECT max(user_id) AS user_id FROM (
         SELECT user_id FROM follows WHERE creator_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3
       ) r`,
      [creatorId, after, size],
    );
    return rows[0]?.user_id ?? null;
  }

  /** A page of the user's notices, newest first; keyset after [at text, id]. */
  async notices(
    userId: string,
    limit: number,
    unreadOnly: boolean,
    after: [string, string] | null,
  ): Promise<(Notice & { exact: string })[]> {
    const args: unknown[] = [userId, limit];
    const where = ['user_id = $1'];
    if (unreadOnly) where.push('read_at IS NULL');
    if (after) {
      args.push(after[0], after[1]);
      where.push('(at, id) < ($3::timestamptz, $4::text)');
    }
    const { rows } = await this.pool.query(
      `SELECT n.id, e.kind, e.creator_id, e.room_id, e.body, n.at, n.at::text AS exact, n.read_at IS NOT NULL AS read
       FROM (SELECT id, at, read_at FROM notices WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $2) n
       JOIN notice_events e ON e.id = n.id
       ORDER BY n.at DESC, n.id DESC`,
      args,
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      creatorId: r.creator_id,
      roomId: r.room_id,
      creatorName: r.body.creatorName,
      title: r.body.title,
      scheduledAt: r.body.scheduledAt ?? null,
      at: ms(r.at),
      read: r.read === true,
      exact: r.exact,
    }));
  }

  async unread(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notices WHERE user_id = $1 AND read_at IS NULL`, [
      userId,
    ]);
    return rows[0]!.n;
  }

  /** Marks the user's notices read (these ids, or all); how many changed. Other users' notices are never touched. */
  async markRead(userId: string, ids: readonly string[] | 'all'): Promise<number> {
    const { rowCount } =
      ids === 'all'
        ? await this.pool.query(`UPDATE notices SET read_at = clock_timestamp() WHERE user_id = $1 AND read_at IS NULL`, [userId])
        : await this.pool.query(
            `UPDATE notices SET read_at = clock_timestamp() WHERE user_id = $1 AND id = ANY($2::text[]) AND read_at IS NULL`,
            [userId, ids],
          );
    return rowCount ?? 0;
  }
}
