import type pg from 'pg';
import type { Recording, RecordingStatus, RecordingTimelineEntry, RecordingTimelineKind } from '@hawker/protocol';

/** A recording row as the recorder and the routes use it. */
export interface RecordingRow {
  id: string;
  roomId: string;
  creatorId: string;
  agencyId: string | null;
  status: RecordingStatus;
  startedAt: number;
  endedAt: number | null;
  durationMs: number;
  bytes: number;
  gapMs: number;
  failureReason: string | null;
  /** When the retention job deleted its media (it no longer plays), or null. */
  expiredAt: number | null;
}

/** Who a recording's (or a clip's) stored bytes count against: its agency, or the creator of a room without one. */
export function storageOwner(o: { agencyId: string | null; creatorId: string }): string {
  return o.agencyId ?? `creator:${o.creatorId}`;
}

/** A timeline entry before it is written: its wall-clock time; the offset is computed in SQL from the row. */
export interface NewTimelineEntry {
  at: number;
  kind: RecordingTimelineKind;
  productId: string | null;
  data: Record<string, unknown>;
}

/**
 * The instant offsets count from: the media's first frame once the recorder knows it (migration 0021), else when the
 * recorder started. `startedAt` on the wire is this base, so `at - startedAt - gaps` is a moment's place in the media.
 */
const BASE = 'coalesce(media_started_at, started_at)';

const COLUMNS = `id, room_id, creator_id, agency_id, status, (extract(epoch from ${BASE}) * 1000)::bigint AS started_ms,
  (extract(epoch from ended_at) * 1000)::bigint AS ended_ms, duration_ms, bytes, gap_ms, failure_reason,
  (extract(epoch from expired_at) * 1000)::bigint AS expired_ms`;

function toRow(r: Record<string, unknown>): RecordingRow {
  return {
    id: r.id as string,
    roomId: r.room_id as string,
    creatorId: r.creator_id as string,
    agencyId: (r.agency_id as string | null) ?? null,
    status: r.status as RecordingStatus,
    startedAt: Number(r.started_ms),
    endedAt: r.ended_ms === null ? null : Number(r.ended_ms),
    durationMs: Number(r.duration_ms),
    bytes: Number(r.bytes),
    gapMs: Number(r.gap_ms),
    failureReason: (r.failure_reason as string | null) ?? null,
    expiredAt: r.expired_ms === null || r.expired_ms === undefined ? null : Number(r.expired_ms),
  };
}

/** The wire form of a row. */
export function toWire(r: RecordingRow): Recording {
  return {
    id: r.id,
    roomId: r.roomId,
    creatorId: r.creatorId,
    agencyId: r.agencyId,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: r.durationMs,
    bytes: r.bytes,
    failureReason: r.failureReason,
    playlistUrl: `/api/recordings/${r.id}/files/index.m3u8`,
  };
}

/** Recordings and their timeline in PostgreSQL (migration 0009_recordings.sql); the only module that writes them. */
export class RecordingStore {
  constructor(readonly db: pg.Pool) {}

  /** Starts a room's recording; null when the room already has one in progress (the partial unique index). */
  async start(r: {
    id: string;
    roomId: string;
    creatorId: string;
    agencyId: string | null;
    startedAt: number;
  }): Promise<RecordingRow | null> {
    const res = await this.db.query(
      `INSERT INTO recordings (id, room_id, creator_id, agency_id, started_at) VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0))
       ON CONFLICT (room_id) WHERE status = 'recording' DO NOTHING RETURNING ${COLUMNS}`,
      [r.id, r.roomId, r.creatorId, r.agencyId, r.startedAt],
    );
    return res.rows[0] ? toRow(res.rows[0]) : null;
  }

  async get(id: string): Promise<RecordingRow | null> {
    const res = await this.db.query(`SELECT ${COLUMNS} FROM recordings WHERE id = $1`, [id]);
    return res.rows[0] ? toRow(res.rows[0]) : null;
  }

  /** The room's recording in progress, if any. */
  async active(roomId: string): Promise<RecordingRow | null> {
    const res = await this.db.query(`SELECT ${COLUMNS} FROM recordings WHERE room_id = $1 AND status = 'recording'`, [roomId]);
    return res.rows[0] ? toRow(res.rows[0]) : null;
  }

  async list(by: { roomId: string } | { creatorId: string }, limit: number): Promise<RecordingRow[]> {
    const [column, value] = 'roomId' in by ? ['room_id', by.roomId] : ['creator_id', by.creatorId];
    const res = await this.db.query(
      `SELECT ${COLUMNS} FROM recordings WHERE ${column} = $1 AND expired_at IS NULL ORDER BY started_at DESC, id LIMIT $2`,
      [value, limit],
    );
    return res.rows.map(toRow);
  }

  /**
   * Bytes of recordings still stored (not expired) that count against `owner` (storageOwner): finished ones and those
   * in progress (as of their last sync).
   */
  async storedBytes(owner: string): Promise<number> {
    const res = await this.db.query(
      `SELECT coalesce(sum(bytes), 0)::bigint AS bytes FROM recordings
        WHERE coalesce(agency_id, 'creator:' || creator_id) = $1 AND expired_at IS NULL`,
      [owner],
    );
    return Number(res.rows[0]?.bytes ?? 0);
  }

  /** Up to `limit` finished recordings that ended more than `ageMs` ago and still have their media, oldest first. */
  async expiring(ageMs: number, limit: number): Promise<string[]> {
    const res = await this.db.query(
      `SELECT id FROM recordings
        WHERE status <> 'recording' AND expired_at IS NULL AND ended_at < clock_timestamp() - make_interval(secs => $1 / 1000.0)
        ORDER BY ended_at LIMIT $2`,
      [ageMs, limit],
    );
    return res.rows.map((r) => r.id as string);
  }

  /**
   * Marks a finished recording expired (its media deleted) and deletes its timeline. Returns false if it was already
   * expired, or is in progress (never expired: the retention counts from the end).
   */
  async expire(id: string): Promise<boolean> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const res = await client.query(
        `UPDATE recordings SET expired_at = clock_timestamp() WHERE id = $1 AND status <> 'recording' AND expired_at IS NULL`,
        [id],
      );
      if ((res.rowCount ?? 0) > 0) await client.query('DELETE FROM recording_events WHERE recording_id = $1', [id]);
      await client.query('COMMIT');
      return (res.rowCount ?? 0) > 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Progress: media written so far (only while recording). */
  async progress(id: string, durationMs: number, bytes: number): Promise<void> {
    await this.db.query(
      `UPDATE recordings SET duration_ms = $2, bytes = $3, updated_at = clock_timestamp() WHERE id = $1 AND status = 'recording'`,
      [id, Math.round(durationMs), bytes],
    );
  }

  /**
   * The recording's media really starts at `mediaStartMs` (its first frame, which under load can land seconds after
   * the recorder started): the base of its offsets moves there and the timeline entries already written move with it,
   * in one transaction. The first call places it; later ones (better bounds) may only move it earlier. Returns the
   * shift in ms (positive: the media started after the old base), or null when nothing changed.
   *
   * The recordings row is locked FOR UPDATE first: appendEvents* take FOR SHARE on it, so an insert computed against
   * the old base is committed (and shifted here) before this runs, and one that comes after sees the new base.
   */
  async mediaStarted(id: string, mediaStartMs: number): Promise<number | null> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const row = await client.query(
        `SELECT (extract(epoch from ${BASE}) * 1000)::bigint AS base_ms FROM recordings
          WHERE id = $1 AND (media_started_at IS NULL OR media_started_at > to_timestamp($2 / 1000.0)) FOR UPDATE`,
        [id, Math.round(mediaStartMs)],
      );
      if (!row.rows[0]) {
        await client.query('ROLLBACK');
        return null;
      }
      const shift = Math.round(mediaStartMs) - Number(row.rows[0].base_ms);
      await client.query('UPDATE recordings SET media_started_at = to_timestamp($2 / 1000.0) WHERE id = $1', [
        id,
        Math.round(mediaStartMs),
      ]);
      // An entry clamped at 0 (it came before the old base) is placed again from its own time; the others move by the
      // shift, which keeps whatever gap they had subtracted (only the first part's segments place the base, before
      // any gap).
      await client.query(
        `UPDATE recording_events SET offset_ms = CASE
            WHEN offset_ms = 0 THEN greatest(0, (extract(epoch from at) * 1000)::bigint - $2)
            ELSE greatest(0, offset_ms - $3) END
          WHERE recording_id = $1`,
        [id, Math.round(mediaStartMs), shift],
      );
      await client.query('COMMIT');
      return shift;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** The creator's stream was away for `ms` (offsets after it shift back by that much). */
  async addGap(id: string, ms: number): Promise<void> {
    await this.db.query(`UPDATE recordings SET gap_ms = gap_ms + $2 WHERE id = $1 AND status = 'recording'`, [
      id,
      Math.max(0, Math.round(ms)),
    ]);
  }

  /** The recording node is alive and still recording (also while the creator's video is away). */
  async touch(id: string): Promise<void> {
    await this.db.query(`UPDATE recordings SET updated_at = clock_timestamp() WHERE id = $1 AND status = 'recording'`, [id]);
  }

  /**
   * Ends the recordings whose node stopped touching them for `staleMs` (it died): `ready` (what was stored plays, up
   * to the kill), with why in `failure_reason`. Returns their ids.
   */
  async sweepStale(staleMs: number): Promise<string[]> {
    const res = await this.db.query(
      `UPDATE recordings SET status = 'ready', ended_at = clock_timestamp(),
              failure_reason = 'interrupted: the recording node stopped (crash or kill); it plays up to that moment'
        WHERE status = 'recording' AND updated_at < clock_timestamp() - make_interval(secs => $1 / 1000.0) RETURNING id`,
      [staleMs],
    );
    return res.rows.map((r) => r.id as string);
  }

  /** Ends a recording once: `ready` or `failed` (with why). Returns false if it had already ended. */
  async finish(id: string, status: 'ready' | 'failed', o: { durationMs: number; bytes: number; failureReason?: string }): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE recordings SET status = $2, ended_at = clock_timestamp(), duration_ms = $3, bytes = $4, failure_reason = $5
       WHERE id = $1 AND status = 'recording'`,
      [id, status, Math.round(o.durationMs), o.bytes, o.failureReason?.slice(0, 500) ?? null],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /**
   * Appends timeline entries to the room's recording in progress, each at `at - base - gap_ms` (never below 0; the
   * base is the media's first frame once known, see mediaStarted). Nothing is written when the room has no recording
   * in progress.
   */
  async appendEvents(roomId: string, entries: readonly NewTimelineEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const res = await this.db.query(
      `INSERT INTO recording_events (recording_id, offset_ms, at, kind, product_id, data)
       SELECT r.id, greatest(0, e.at - (extract(epoch from coalesce(r.media_started_at, r.started_at)) * 1000)::bigint - r.gap_ms),
              to_timestamp(e.at / 1000.0), e.kind, e.product_id, e.data
         FROM recordings r,
              jsonb_to_recordset($2::jsonb) AS e(at bigint, kind text, product_id text, data jsonb)
        WHERE r.room_id = $1 AND r.status = 'recording'
          FOR SHARE OF r`,
      [roomId, JSON.stringify(entries.map((e) => ({ at: e.at, kind: e.kind, product_id: e.productId, data: e.data })))],
    );
    return res.rowCount ?? 0;
  }

  /**
   * Appends entries of many rooms in one statement (the timeline writer's batches). Each entry goes to the recording of
   * its room that was running when it happened (`at`), whether or not it is still running now: a batch written just
   * after the room ended still lands in the recording it belongs to. Two seconds of slack before a recording's start
   * absorb clock skew between nodes and PostgreSQL (the offset is clamped at 0). The window is the row's
   * `started_at`; the offset's base is the media's first frame once known (see mediaStarted).
   */
  async appendEventsOfRooms(items: readonly { roomId: string; entry: NewTimelineEntry }[]): Promise<number> {
    if (items.length === 0) return 0;
    const res = await this.db.query(
      `INSERT INTO recording_events (recording_id, offset_ms, at, kind, product_id, data)
       SELECT r.id, greatest(0, e.at - (extract(epoch from coalesce(r.media_started_at, r.started_at)) * 1000)::bigint - r.gap_ms),
              to_timestamp(e.at / 1000.0), e.kind, e.product_id, e.data
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (room_id text, at bigint, kind text, product_id text, data jsonb))
              WITH ORDINALITY AS e(room_id, at, kind, product_id, data, n)
         JOIN LATERAL (
              SELECT id, started_at, media_started_at, gap_ms FROM recordings r
               WHERE r.room_id = e.room_id
                 AND r.started_at <= to_timestamp(e.at / 1000.0) + interval '2 seconds'
                 AND (r.ended_at IS NULL OR r.ended_at >= to_timestamp(e.at / 1000.0))
               ORDER BY r.started_at DESC LIMIT 1 FOR SHARE) r ON true
        ORDER BY e.n`,
      [
        JSON.stringify(
          items.map(({ roomId, entry: e }) => ({ room_id: roomId, at: e.at, kind: e.kind, product_id: e.productId, data: e.data })),
        ),
      ],
    );
    return res.rowCount ?? 0;
  }

  async timeline(id: string, o: { chat: boolean; afterMs: number; limit: number }): Promise<RecordingTimelineEntry[]> {
    const res = await this.db.query(
      `SELECT offset_ms, (extract(epoch from at) * 1000)::bigint AS at_ms, kind, product_id, data FROM recording_events
        WHERE recording_id = $1 AND offset_ms > $2 AND ($3 OR kind <> 'chat') ORDER BY offset_ms, seq LIMIT $4`,
      [id, o.afterMs, o.chat, o.limit],
    );
    return res.rows.map((r) => ({
      offsetMs: Number(r.offset_ms),
      at: Number(r.at_ms),
      kind: r.kind as RecordingTimelineKind,
      productId: (r.product_id as string | null) ?? null,
      data: r.data as Record<string, unknown>,
    }));
  }
}
