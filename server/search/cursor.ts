import { createHash } from 'node:crypto';
import { AppError } from '../kernel/errors.ts';

/**
 * A keyset position in a ranked list: (live, inStock, score) descending, then id ascending. Bound to the query it
 * came from (`fp`, a short hash of q, type and filters), so a cursor replayed with another query is refused rather
 * than paging a list it does not belong to.
 */
export interface RankCursor {
  fp: string;
  live: number;
  stock: number;
  score: number;
  id: string;
}

/** A short fingerprint of what a cursor belongs to. */
export const fingerprint = (...parts: unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);

export function encodeRankCursor(c: RankCursor): string {
  return Buffer.from(JSON.stringify([1, c.fp, c.live, c.stock, c.score, c.id])).toString('base64url');
}

const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 1e9;

/** The cursor, or BAD_REQUEST if it is not one this server made for this very query. Changes nothing. */
export function decodeRankCursor(cursor: string, fp: string): RankCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (
    !Array.isArray(v) ||
    v.length !== 6 ||
    v[0] !== 1 ||
    typeof v[1] !== 'string' ||
    !int(v[2]) ||
    !int(v[3]) ||
    !int(v[4]) ||
    typeof v[5] !== 'string' ||
    v[5].length > 64
  ) {
    throw AppError.badRequest('cursor is not one this server returned; start again without it');
  }
  if (v[1] !== fp) throw AppError.badRequest('cursor belongs to another query (q, type or filters changed); start again without it');
  return { fp, live: v[2], stock: v[3], score: v[4], id: v[5] };
}
