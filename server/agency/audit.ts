import type { ChainableCommander, Redis } from 'ioredis';
import type { AuditAction, AuditEntry, AuditPage, AuditQuery } from '@hawker/protocol';
import type { Principal } from '@hawker/protocol';

/** Redis keys of the audit log: one capped stream per room, per agency, and one for the whole platform. */
export const auditKeys = (p: string) => ({
  room: (roomId: string) => `${p}audit:room:${roomId}`,
  agency: (agencyId: string) => `${p}audit:agency:${agencyId}`,
  all: `${p}audit:all`,
});

/**
 * Entries kept per stream (approximate trimming). A busy room's moderators log far fewer actions than this; the cap
 * bounds memory if a script misbehaves.
 */
export const AUDIT_MAX_ENTRIES = 50_000;

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
 */
export class AuditLog {
  readonly keys: ReturnType<typeof auditKeys>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = auditKeys(prefix);
  }

  /** The streams an entry belongs to. */
  streams(r: Pick<AuditRecord, 'roomId' | 'agencyId'>): string[] {
    return [...(r.roomId ? [this.keys.room(r.roomId)] : []), ...(r.agencyId ? [this.keys.agency(r.agencyId)] : []), this.keys.all];
  }

  /** Queues the entry's writes on the caller's MULTI, next to the action it records. */
  append(multi: ChainableCommander, r: AuditRecord): ChainableCommander {
    const json = encode(r);
    for (const key of this.streams(r)) multi.xadd(key, 'MAXLEN', '~', AUDIT_MAX_ENTRIES, '*', 'e', json);
    return multi;
  }

  /** For Lua scripts that audit themselves: extra KEYS (the streams) and the two ARGV the script expects (max length, entry). */
  luaKeys(r: AuditRecord): string[] {
    return this.streams(r);
  }
  luaArgs(r: AuditRecord): [number, string] {
    return [AUDIT_MAX_ENTRIES, encode(r)];
  }

  /** Newest first; `before` continues from a previous page's `nextBefore`. */
  async read(stream: string, q: AuditQuery): Promise<AuditPage> {
    const rows = await this.redis.xrevrange(stream, q.before ? `(${q.before}` : '+', '-', 'COUNT', q.limit);
    const entries = rows.map(([cursor, fields]) => ({ cursor, ...(JSON.parse(fields[1] ?? '{}') as Omit<AuditEntry, 'cursor'>) }));
    return { entries, nextBefore: rows.length === q.limit ? (rows.at(-1)?.[0] ?? null) : null };
  }
}

function encode(r: AuditRecord): string {
  const entry: Omit<AuditEntry, 'cursor'> = {
    at: Date.now(),
    actor: { userId: r.actor.userId, name: r.actor.name, role: r.actor.role },
    action: r.action,
    roomId: r.roomId ?? null,
    agencyId: r.agencyId ?? null,
    targetUserId: r.targetUserId ?? null,
    details: r.details ?? {},
  };
  return JSON.stringify(entry);
}
