import type { ChainableCommander, Redis } from 'ioredis';
import { AppError } from '../kernel/errors.ts';
import { LuaScripts } from '../kernel/lua.ts';
import type { ModerationKeys } from '../moderation/keys.ts';
import type { Principal } from '@hawker/protocol';
import type { ChatMessage } from '@hawker/protocol';
import { normalizeForMatch } from '@hawker/protocol';
import type { Room } from '@hawker/protocol';

/** Redis keys owned by the chat domain. */
export const chatKeys = (p: string) => ({
  /** Stream of the room's last CHAT_HISTORY messages (fields u, n, r, t; s=1 if shadowed). */
  history: (roomId: string) => `${p}chat:history:${roomId}`,
  /** Hash token bucket of one user's messages, across rooms and nodes. */
  rate: (userId: string) => `${p}chat:rate:${userId}`,
  /** Zset of message ids moderators deleted (score: when), kept DELETED_KEEP_MS: what a pending batch must skip. */
  deleted: (roomId: string) => `${p}chat:deleted:${roomId}`,
  /** Present while the user must wait out the room's slow mode. */
  slow: (roomId: string, userId: string) => `${p}chat:slow:${roomId}:${userId}`,
});

/** Why send.lua refused a message, mapped to the typed error the sender gets. */
export function chatRefusal(code: number, value: number | undefined, ratePerMin?: number): AppError {
  switch (code) {
    case -1:
      return AppError.forbidden('You are banned from this room');
    case -2:
      return new AppError('FORBIDDEN', 'You are muted in this room', { details: { mutedUntil: value } });
    case -3:
      return AppError.rateLimited(
        value ?? 1000,
        'You are sending messages too fast',
        ratePerMin === undefined ? undefined : { name: 'CHAT_RATE_PER_MIN', max: ratePerMin },
      );
    case -4:
      return new AppError('RATE_LIMITED', 'Slow mode is on in this room', { details: { retryAfterMs: value, slowMode: true } });
    case -5:
      return AppError.forbidden('Your message contains a word that is not allowed here');
    default:
      return new AppError('INTERNAL', `chat send returned ${code}`);
  }
}

/**
 * How long a deletion is remembered for batches still waiting on a node. A batch waits one tick (100 ms), a few
 * seconds on a node in trouble; deletions are human-paced, so the set stays tiny.
 */
const DELETED_KEEP_MS = 10 * 60_000;

export interface ChatLimits {
  history: number;
  rateBurst: number;
  ratePerMin: number;
}

/** Room chat in Redis: the judged append (lua/send.lua), history replay, and the existence check flushes rely on. */
export class ChatStore {
  readonly keys: ReturnType<typeof chatKeys>;
  private readonly lua: LuaScripts<'send'>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly mod: ModerationKeys,
    readonly limits: ChatLimits,
  ) {
    this.keys = chatKeys(prefix);
    this.lua = new LuaScripts(redis, 'chat', new URL('./lua/', import.meta.url), ['send']);
  }

  /** Judges and records a message. Throws the typed refusal; `shadowed` messages must be shown to the sender only. */
  async send(p: Principal, room: Room, text: string, staff: boolean): Promise<{ message: ChatMessage; shadowed: boolean }> {
    const k = this.keys;
    const m = this.mod;
    const keys = [
      k.history(room.id),
      m.roomBans(room.id),
      m.mutes(room.id),
      m.settings(room.id),
      m.roomKeywords(room.id),
      k.rate(p.userId),
      k.slow(room.id, p.userId),
    ];
    if (room.agencyId) keys.push(m.agencyBans(room.agencyId), m.agencyKeywords(room.agencyId));
    const { history, rateBurst, ratePerMin } = this.limits;
    const res = (await this.lua.run('send', keys, [
      p.userId,
      staff ? '1' : '0',
      rateBurst,
      ratePerMin,
      history,
      normalizeForMatch(text),
      p.name,
      p.role,
      text,
      room.creatorId === p.userId ? '1' : '0',
    ])) as [number, (string | number)?];
    const [code, value] = res;
    if (code < 0) throw chatRefusal(code, typeof value === 'number' ? value : undefined, ratePerMin);
    const id = String(value);
    return { message: { id, roomId: room.id, userId: p.userId, name: p.name, role: p.role, text, at: idTime(id) }, shadowed: code === 2 };
  }

  /**
   * The room's recent messages as `viewerId` may see them, oldest first: shadowed ones only if they sent them (unmarked)
   * or are room `staff` (marked `shadowed`, so a moderator sees what the filter caught).
   */
  async recent(roomId: string, viewerId: string, staff = false): Promise<ChatMessage[]> {
    const rows = await this.redis.xrevrange(this.keys.history(roomId), '+', '-', 'COUNT', this.limits.history);
    const out: ChatMessage[] = [];
    for (const [id, fields] of rows.reverse()) {
      const f = fieldMap(fields);
      const own = f.u === viewerId;
      if (f.s && !own && !staff) continue;
      out.push({
        id,
        roomId,
        userId: f.u ?? '',
        name: f.n ?? '',
        role: (f.r ?? 'viewer') as ChatMessage['role'],
        text: f.t ?? '',
        at: idTime(id),
        ...(f.s && !own ? { shadowed: true as const } : {}),
      });
    }
    return out;
  }

  /** Ids of `userId`'s messages still in the room's history (at most CHAT_HISTORY rows are read). */
  async idsOf(roomId: string, userId: string): Promise<string[]> {
    const rows = await this.redis.xrange(this.keys.history(roomId), '-', '+', 'COUNT', this.limits.history);
    return rows.filter(([, fields]) => fieldMap(fields).u === userId).map(([id]) => id);
  }

  /**
   * Which of `ids` no moderator has deleted. Deletions are recorded explicitly rather than inferred from absence in
   * history: history is capped, and a busy room trims messages that a late tick has not broadcast yet, which are not
   * deleted and must still go out.
   */
  async notDeleted(roomId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const scores = await this.redis.zmscore(this.keys.deleted(roomId), ...ids);
    return new Set(ids.filter((_, i) => scores[i] === null));
  }

  /** Queues a message's removal from history, and the record pending batches check, on the caller's MULTI. */
  remove(multi: ChainableCommander, roomId: string, messageId: string): ChainableCommander {
    const now = Date.now();
    const deleted = this.keys.deleted(roomId);
    return multi
      .xdel(this.keys.history(roomId), messageId)
      .zadd(deleted, now, messageId)
      .zremrangebyscore(deleted, '-inf', now - DELETED_KEEP_MS)
      .pexpire(deleted, DELETED_KEEP_MS);
  }

  /** Keeps an ended room's history readable for `seconds`, then lets Redis drop it. */
  async expire(roomId: string, seconds: number): Promise<void> {
    await this.redis.expire(this.keys.history(roomId), seconds);
    await this.redis.pexpire(this.keys.deleted(roomId), Math.min(seconds * 1000, DELETED_KEEP_MS));
  }
}

function idTime(id: string): number {
  return Number(id.split('-')[0]);
}

function fieldMap(fields: string[]): Record<string, string | undefined> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}
