import type pg from 'pg';
import type { ClipStatus } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';

/** A clip row as the service and the routes use it (the wire form adds products and the creator's live room). */
export interface ClipRow {
  id: string;
  recordingId: string;
  roomId: string;
  creatorId: string;
  agencyId: string | null;
  title: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  status: ClipStatus;
  failureReason: string | null;
  productIds: string[];
  publishedAt: number | null;
  createdAt: number;
}

const COLUMNS = `id, recording_id, room_id, creator_id, agency_id, title, start_ms, end_ms, duration_ms, status, failure_reason,
  product_ids, (extract(epoch from published_at) * 1000)::bigint AS published_ms, (extract(epoch from created_at) * 1000)::bigint AS created_ms`;

function toRow(r: Record<string, unknown>): ClipRow {
  return {
    id: r.id as string,
    recordingId: r.recording_id as string,
    roomId: r.room_id as string,
    creatorId: r.creator_id as string,
    agencyId: (r.agency_id as string | null) ?? null,
    title: r.title as string,
    startMs: Number(r.start_ms),
    endMs: Number(r.end_ms),
    durationMs: Number(r.duration_ms),
    status: r.status as ClipStatus,
    failureReason: (r.failure_reason as string | null) ?? null,
    productIds: r.product_ids as string[],
    publishedAt: r.published_ms === null ? null : Number(r.published_ms),
    createdAt: Number(r.created_ms),
  };
}

/** The clip quotas, each with its configuration variable's name (the typed error names it). */
export interface ClipQuotas {
  perCreator: number;
  perAgency: number;
}

/** Clips in PostgreSQL (migration 0011_clips.sql); the only module that writes them. */
export class ClipStore {
  constructor(readonly db: pg.Pool) {}

  /**
   * Adds a clip (`cutting`) unless its creator or its agency already has its quota of clips: one transaction holding
   * an advisory lock per creator and per agency, so two concurrent cuts cannot both take the last place.
   */
  async insert(
    c: Pick<ClipRow, 'id' | 'recordingId' | 'roomId' | 'creatorId' | 'agencyId' | 'title' | 'startMs' | 'endMs' | 'productIds'>,
    quotas: ClipQuotas,
  ): Promise<ClipRow> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('clips:creator:' || $1))`, [c.creatorId]);
      const mine = await client.query('SELECT count(*)::int AS n FROM clips WHERE creator_id = $1', [c.creatorId]);
      if (mine.rows[0].n >= quotas.perCreator)
        throw AppError.quotaExceeded(
          'CLIPS_PER_CREATOR',
          quotas.perCreator,
          `This creator already has ${quotas.perCreator} clips: delete one first`,
        );
      if (c.agencyId) {
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('clips:agency:' || $1))`, [c.agencyId]);
        const theirs = await client.query('SELECT count(*)::int AS n FROM clips WHERE agency_id = $1', [c.agencyId]);
        if (theirs.rows[0].n >= quotas.perAgency)
          throw AppError.quotaExceeded(
            'CLIPS_PER_AGENCY',
            quotas.perAgency,
            `This agency already has ${quotas.perAgency} clips: delete one first`,
          );
      }
      const res = await client.query(
        `INSERT INTO clips (id, recording_id, room_id, creator_id, agency_id, title, start_ms, end_ms, product_ids)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [c.id, c.recordingId, c.roomId, c.creatorId, c.agencyId, c.title, c.startMs, c.endMs, c.productIds],
      );
      await client.query('COMMIT');
      return toRow(res.rows[0]);
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  }

  async get(id: string): Promise<ClipRow | null> {
    const res = await this.db.query(`SELECT ${COLUMNS} FROM clips WHERE id = $1`, [id]);
    return res.rows[0] ? toRow(res.rows[0]) : null;
  }

  /** Published clips (the feed), or a creator's or an agency's clips, newest first, before `before` (ms) if given. */
  async list(by: { creatorId: string } | { agencyId: string } | 'feed', o: { before?: number; limit: number }): Promise<ClipRow[]> {
    const params: unknown[] = [o.before ?? null, o.limit];
    let where = 'published_at IS NOT NULL';
    if (by !== 'feed') {
      where = 'creatorId' in by ? 'creator_id = $3' : 'agency_id = $3';
      params.push('creatorId' in by ? by.creatorId : by.agencyId);
    }
    const res = await this.db.query(
      `SELECT ${COLUMNS} FROM clips WHERE ${where} AND ($1::bigint IS NULL OR created_at < to_timestamp($1 / 1000.0))
        ORDER BY created_at DESC, id LIMIT $2`,
      params,
    );
    return res.rows.map(toRow);
  }

  /** The cut finished: `ready` with its media's duration, or `failed` with why. Only from `cutting`. */
  async finish(
    id: string,
    o: { status: 'ready'; durationMs: number; bytes: number } | { status: 'failed'; reason: string },
  ): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE clips SET status = $2, duration_ms = $3, failure_reason = $4, bytes = $5, updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'cutting'`,
      [
        id,
        o.status,
        o.status === 'ready' ? Math.round(o.durationMs) : 0,
        o.status === 'failed' ? o.reason.slice(0, 500) : null,
        o.status === 'ready' ? Math.round(o.bytes) : 0,
      ],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /**
   * Bytes the clips of a quota owner store (storageOwner: the agency, or `creator:<id>` for a room without one), for
   * the media quota. Deleted clips' rows are gone, so they no longer count.
   */
  async storedBytes(owner: string): Promise<number> {
    const res = await this.db.query(
      `SELECT coalesce(sum(bytes), 0)::float8 AS bytes FROM clips WHERE coalesce(agency_id, 'creator:' || creator_id) = $1`,
      [owner],
    );
    return Number(res.rows[0]?.bytes ?? 0);
  }

  /** Publishes a ready clip (idempotent: an already published one keeps its time); null when it is not ready. */
  async publish(id: string): Promise<ClipRow | null> {
    const res = await this.db.query(
      `UPDATE clips SET published_at = coalesce(published_at, clock_timestamp()), updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'ready' RETURNING ${COLUMNS}`,
      [id],
    );
    return res.rows[0] ? toRow(res.rows[0]) : null;
  }

  /**
   * Deletes a clip's row and, in the same transaction, records that its files are to be deleted
   * (clip_file_deletions, migration 0018): once this returns the clip is gone for good, whatever happens to its files.
   */
  async remove(id: string): Promise<boolean> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const res = await client.query('DELETE FROM clips WHERE id = $1', [id]);
      const removed = (res.rowCount ?? 0) > 0;
      if (removed) await client.query('INSERT INTO clip_file_deletions (clip_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
      await client.query('COMMIT');
      return removed;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Deleted clips whose files are still to be deleted, their last attempt at least `idleMs` ago, oldest first. */
  async pendingFileDeletions(idleMs: number, limit: number): Promise<string[]> {
    const res = await this.db.query(
      `SELECT clip_id FROM clip_file_deletions WHERE updated_at <= clock_timestamp() - make_interval(secs => $1 / 1000.0)
        ORDER BY updated_at LIMIT $2`,
      [idleMs, limit],
    );
    return res.rows.map((r) => r.clip_id as string);
  }

  /** The deleted clip's files are gone: its entry goes. */
  async fileDeletionDone(clipId: string): Promise<void> {
    await this.db.query('DELETE FROM clip_file_deletions WHERE clip_id = $1', [clipId]);
  }

  /** Deleting the files failed this time: counted, with why, and retried by a later sweep. */
  async fileDeletionFailed(clipId: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE clip_file_deletions SET attempts = attempts + 1, last_error = $2, updated_at = clock_timestamp() WHERE clip_id = $1`,
      [clipId, reason.slice(0, 500)],
    );
  }

  /** Clips left `cutting` by a node that died mid-cut for `staleMs`: failed, so they can be deleted and cut again. */
  async failStale(staleMs: number): Promise<string[]> {
    const res = await this.db.query(
      `UPDATE clips SET status = 'failed', failure_reason = 'interrupted: the node cutting it stopped', updated_at = clock_timestamp()
        WHERE status = 'cutting' AND updated_at < clock_timestamp() - make_interval(secs => $1 / 1000.0) RETURNING id`,
      [staleMs],
    );
    return res.rows.map((r) => r.id as string);
  }
}
