import type pg from 'pg';
import type { UploadImageType } from '@hawker/protocol';
import { inTransaction } from '../ledger/tx.ts';

/** One uploader's record of one stored picture (table `uploads`, migration 0014). */
export interface UploadRow {
  sha256: string;
  contentType: UploadImageType;
  bytes: number;
  width: number;
  height: number;
}

/** Who uploaded which picture (PostgreSQL): the per-user byte quota counts from here. */
export class UploadStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records `row` for `ownerId` unless they had it already, within `quota` bytes in total, serialised per user (an
   * advisory lock: two uploads at once cannot both pass the check). `store` runs inside, before the row is written, so
   * a refusal stores nothing and a failed write records nothing. Returns the stored row and whether it is new, or
   * 'full' with the bytes used.
   */
  async add(
    ownerId: string,
    row: UploadRow,
    quota: number,
    store: () => Promise<void>,
  ): Promise<{ row: UploadRow; created: boolean } | { full: true; used: number }> {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`hawker:uploads:user:${ownerId}`]);
      const { rows } = await c.query(
        `SELECT (SELECT coalesce(sum(bytes), 0)::bigint FROM uploads WHERE owner_id = $1) AS used,
                (SELECT row_to_json(u) FROM (SELECT sha256, content_type, bytes, width, height FROM uploads
                   WHERE owner_id = $1 AND sha256 = $2) u) AS existing`,
        [ownerId, row.sha256],
      );
      const existing = rows[0].existing as {
        sha256: string;
        content_type: UploadImageType;
        bytes: number;
        width: number;
        height: number;
      } | null;
      if (existing) {
        await store(); // the file may have been removed by an operator: put it back
        return {
          row: {
            sha256: existing.sha256,
            contentType: existing.content_type,
            bytes: existing.bytes,
            width: existing.width,
            height: existing.height,
          },
          created: false,
        };
      }
      const used = Number(rows[0].used);
      if (used + row.bytes > quota) return { full: true, used };
      await store();
      await c.query('INSERT INTO uploads (owner_id, sha256, content_type, bytes, width, height) VALUES ($1, $2, $3, $4, $5, $6)', [
        ownerId,
        row.sha256,
        row.contentType,
        row.bytes,
        row.width,
        row.height,
      ]);
      return { row, created: true };
    });
  }
}
