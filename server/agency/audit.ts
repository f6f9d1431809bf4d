import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditAction, AuditEntry, AuditPage, AuditQuery } from '@hawker/protocol';
import type { Principal } from '@hawker/protocol';
import type { Config } from '../config.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';

/**
 * Redis keys of the audit log: one capped stream per room, per agency, and one for the whole platform; and the
 * per-minute counters of audited actions (`rate`, one per bucket, each expiring with its minute: see `AuditLog.admit`).
 */
export const auditKeys = (p: string) => ({
  room: (roomId: string) => `${p}audit:room:${roomId}`,
  agency: (agencyId: string) => `${p}audit:agency:${agencyId}`,
  all: `${p}audit:all`,
  /** rate-limiter-flexible's key prefix; it appends `:<bucket>` (agency:<id>, admin:<userId> or user:<userId>). */
  rate: `${p}audit:rate`,
});

/** A string value of `details` longer than this (UTF-8 bytes) is stored as a summary: preview, sha256, size. */
export const AUDIT_VALUE_MAX_BYTES = 512;
/** `details` whose JSON is still longer than this once each value is bounded is stored as one summary. */
export const AUDIT_DETAILS_MAX_BYTES = 2_048;
/** Characters of a summarised value kept as its preview. */
const PREVIEW_CHARS = 64;
/**
 * How long a room's own audit stream outlives the room (set when the room ends, `expireRoom`): long enough to look
 * into a dispute about a live after it ended. Its entries are also in the agency's and the platform's streams, which
 * never expire (they are capped at AUDIT_MAX_ENTRIES instead).
 */
export const AUDIT_ENDED_ROOM_TTL_S = 30 * 24 * 3600;

/** What an action tells the audit log (the time and cursor are added when it is written and read). */
export interface AuditRecord {
  actor: Principal;
  action: AuditAction;
  roomId?: string | null;
  agencyId?: string | null;
  targetUserId?: string | null;
  details?: AuditEntry['details'];
}

/**
 * The audit log: who did what, when, in which room. Writers never append on their own: they add the entry to the same
 * MULTI (`append`) or Lua script (`luaKeys` / `luaArgs`) as the action, so an action and its entry land together or not
 * at all. An action in a room is readable from the room's stream, its agency's stream and the platform stream.
 *
 * Memory is bounded three ways (issue 14: an edit loop once wrote ~43 KB per entry until Redis was full):
 * - every entry is small: long values are summarised (`boundDetails`), so an entry stays under ~2.5 KB whatever the
 *   action was given;
 * - every stream is capped at AUDIT_MAX_ENTRIES (approximate trimming), and a room's stream expires after its room ends;
 * - writers call `admit` before they change anything: at most AUDIT_RATE_PER_AGENCY_PER_MIN audited actions per
 *   minute per agency, across nodes.
 */
export class AuditLog {
  readonly keys: ReturnType<typeof auditKeys>;
  private readonly maxEntries: number;
  private readonly ratePerMin: number;
  private readonly limiter: RateLimiterRedis;

  constructor(
    private readonly redis: Redis,
    config: Pick<Config, 'REDIS_KEY_PREFIX' | 'AUDIT_MAX_ENTRIES' | 'AUDIT_RATE_PER_AGENCY_PER_MIN'>,
  ) {
    this.keys = auditKeys(config.REDIS_KEY_PREFIX);
    this.maxEntries = config.AUDIT_MAX_ENTRIES;
    this.ratePerMin = config.AUDIT_RATE_PER_AGENCY_PER_MIN;
    // A fixed one-minute window per bucket in Redis (one INCR + EXPIRE script), so every node counts against the same
    // budget and each counter key dies with its minute.
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: this.keys.rate, points: this.ratePerMin, duration: 60 });
  }

  /**
   * Takes one audited action from its budget, or throws RATE_LIMITED (details name AUDIT_RATE_PER_AGENCY_PER_MIN) when
   * the budget of this minute is spent. Call it after the access check and before changing anything, so a refused
   * action changes nothing and an unauthorised caller cannot spend an agency's budget.
   *
   * Buckets: an action in an agency (its rooms, roster, bans, keywords) counts against the agency, whoever its staff
   * member is; an action of a room without an agency counts against its actor (the room's creator), so opening more
   * rooms buys no more. Platform admins have a bucket each, of the same size: an agency that spent its budget cannot
   * lock out the staff who step in to stop it, and a runaway admin script is still bounded.
   */
  async admit(actor: Principal, agencyId: string | null | undefined): Promise<void> {
    // Platform staff are those who read the platform's audit log (the policy's one role check for it).
    const bucket = policy.canReadPlatformAudit(actor) ? `admin:${actor.userId}` : agencyId ? `agency:${agencyId}` : `user:${actor.userId}`;
    try {
      await this.limiter.consume(bucket, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err; // Redis failed: the edge answers UNAVAILABLE
      const whose = bucket.startsWith('agency:') ? `Agency ${agencyId}'s staff` : 'You';
      const retryS = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw AppError.rateLimited(
        err.msBeforeNext,
        `${whose} already took ${this.ratePerMin} moderation or roster actions this minute (AUDIT_RATE_PER_AGENCY_PER_MIN); nothing was changed: retry in ${retryS} s`,
        { name: 'AUDIT_RATE_PER_AGENCY_PER_MIN', max: this.ratePerMin },
      );
    }
  }

  /** The streams an entry belongs to. */
  streams(r: Pick<AuditRecord, 'roomId' | 'agencyId'>): string[] {
    return [...(r.roomId ? [this.keys.room(r.roomId)] : []), ...(r.agencyId ? [this.keys.agency(r.agencyId)] : []), this.keys.all];
  }

  /** Queues the entry's writes on the caller's MULTI, next to the action it records. */
  append(multi: ChainableCommander, r: AuditRecord): ChainableCommander {
    const json = encode(r);
    for (const key of this.streams(r)) multi.xadd(key, 'MAXLEN', '~', this.maxEntries, '*', 'e', json);
    return multi;
  }

  /** For Lua scripts that audit themselves: extra KEYS (the streams) and the two ARGV the script expects (max length, entry). */
  luaKeys(r: AuditRecord): string[] {
    return this.streams(r);
  }
  luaArgs(r: AuditRecord): [number, string] {
    return [this.maxEntries, encode(r)];
  }

  /** Queues the expiry of an ended room's own stream (AUDIT_ENDED_ROOM_TTL_S) on the caller's MULTI. */
  expireRoom(multi: ChainableCommander, roomId: string): ChainableCommander {
    return multi.expire(this.keys.room(roomId), AUDIT_ENDED_ROOM_TTL_S);
  }

  /** Newest first; `before` continues from a previous page's `nextBefore`. */
  async read(stream: string, q: AuditQuery): Promise<AuditPage> {
    const rows = await this.redis.xrevrange(stream, q.before ? `(${q.before}` : '+', '-', 'COUNT', q.limit);
    const entries = rows.map(([cursor, fields]) => ({ cursor, ...(JSON.parse(fields[1] ?? '{}') as Omit<AuditEntry, 'cursor'>) }));
    return { entries, nextBefore: rows.length === q.limit ? (rows.at(-1)?.[0] ?? null) : null };
  }
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
/** The first `chars` characters (code points, so no surrogate pair is cut) and an ellipsis. */
const preview = (s: string, chars: number): string => `${Array.from(s).slice(0, chars).join('')}…`;

/**
 * `details` as the audit log stores them: a string value over AUDIT_VALUE_MAX_BYTES becomes a preview (its first 64
 * characters and "…") beside `<key>Sha256` (hex SHA-256 of the full UTF-8 value, to check a suspected value against)
 * and `<key>Bytes`; if the JSON is still over AUDIT_DETAILS_MAX_BYTES (many keys), the whole object is replaced by
 * `detailsSha256`, `detailsBytes`, `detailsKeys` and `detailsPreview` of its JSON. Small details are unchanged.
 */
export function boundDetails(details: AuditEntry['details']): AuditEntry['details'] {
  const out: AuditEntry['details'] = {};
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string' && utf8Bytes(value) > AUDIT_VALUE_MAX_BYTES) {
      out[key] = preview(value, PREVIEW_CHARS);
      out[`${key}Sha256`] = sha256(value);
      out[`${key}Bytes`] = utf8Bytes(value);
    } else {
      out[key] = value;
    }
  }
  const json = JSON.stringify(out);
  if (utf8Bytes(json) <= AUDIT_DETAILS_MAX_BYTES) return out;
  const full = JSON.stringify(details);
  return {
    detailsSha256: sha256(full),
    detailsBytes: utf8Bytes(full),
    detailsKeys: Object.keys(details).length,
    detailsPreview: preview(json, 2 * PREVIEW_CHARS),
  };
}

function encode(r: AuditRecord): string {
  const entry: Omit<AuditEntry, 'cursor'> = {
    at: Date.now(),
    actor: { userId: r.actor.userId, name: r.actor.name, role: r.actor.role },
    action: r.action,
    roomId: r.roomId ?? null,
    agencyId: r.agencyId ?? null,
    targetUserId: r.targetUserId ?? null,
    details: boundDetails(r.details ?? {}),
  };
  return JSON.stringify(entry);
}
