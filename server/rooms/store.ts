import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import { LuaScripts } from '../kernel/lua.ts';
import type { Principal } from '@hawker/protocol';
import type { CreateRoomBody, ListRoomsQuery, Room, RoomStatus } from '@hawker/protocol';

/** Redis keys owned by the rooms domain. */
export const roomKeys = (p: string) => ({
  room: (id: string) => `${p}room:${id}`,
  byStatus: (s: RoomStatus) => `${p}rooms:status:${s}`,
  byCreator: (id: string) => `${p}rooms:creator:${id}`,
  byAgency: (id: string) => `${p}rooms:agency:${id}`,
  all: `${p}rooms:all`,
  /** Set: the creator's rooms not ended yet (ROOMS_OPEN_PER_CREATOR; lua/create.lua adds, lua/transition.lua removes). */
  creatorOpen: (id: string) => `${p}rooms:creator:${id}:open`,
  /** Zset room id -> Redis ms: the creator's creations in the last hour (ROOMS_CREATED_PER_HOUR; expires with it). */
  creatorRecent: (id: string) => `${p}rooms:creator:${id}:created`,
});
export type RoomKeys = ReturnType<typeof roomKeys>;

/** The rolling window of ROOMS_CREATED_PER_HOUR. */
const HOUR_MS = 3_600_000;

/** A creator's room quotas (server/config.ts): `open` rooms not ended at once, `perHour` creations in a rolling hour. */
export interface CreatorQuota {
  open: number;
  perHour: number;
}

/** Room records in Redis (a hash per room, sorted-set indexes by status, creator, agency and creation time). */
export class RoomStore {
  readonly keys: RoomKeys;
  private readonly lua: LuaScripts<'transition' | 'create'>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = roomKeys(prefix);
    this.lua = new LuaScripts(redis, 'rooms', new URL('./lua/', import.meta.url), ['transition', 'create']);
  }

  /**
   * Creates a scheduled room, atomically with the creator's quotas (lua/create.lua): over either one, a typed error
   * naming the limit (QUOTA_EXCEEDED for open rooms, RATE_LIMITED with retryAfterMs for the hourly one) and nothing
   * written.
   */
  async create(creator: Principal, body: CreateRoomBody, quota: CreatorQuota, now = Date.now()): Promise<Room> {
    const room: Room = {
      id: newId(),
      title: body.title,
      coverUrl: body.coverUrl ?? null,
      creatorId: creator.userId,
      creatorName: creator.name,
      agencyId: creator.agencyId ?? null,
      status: 'scheduled',
      scheduledAt: body.scheduledAt ?? null,
      startedAt: null,
      endedAt: null,
      endReason: null,
      createdAt: now,
      // Stored only when off, so rooms that record (the default) read as before.
      ...(body.record === false ? { record: false } : {}),
    };
    const k = this.keys;
    const keys = [
      k.room(room.id),
      k.all,
      k.byStatus('scheduled'),
      k.byCreator(room.creatorId),
      k.creatorOpen(room.creatorId),
      k.creatorRecent(room.creatorId),
      ...(room.agencyId ? [k.byAgency(room.agencyId)] : []),
    ];
    const res = (await this.lua.run('create', keys, [
      room.id,
      now,
      quota.open,
      quota.perHour,
      HOUR_MS,
      ...Object.entries(toHash(room)).flat(),
    ])) as [number, number?];
    if (res[0] === -1)
      throw AppError.quotaExceeded(
        'ROOMS_OPEN_PER_CREATOR',
        quota.open,
        `You already have ${res[1]} rooms that have not ended (at most ${quota.open}); end one before creating another`,
      );
    if (res[0] === -2)
      throw AppError.rateLimited(
        Number(res[1]),
        `You created ${quota.perHour} rooms in the last hour (the most allowed); retry in ${Math.ceil(Number(res[1]) / 60_000)} min`,
        { name: 'ROOMS_CREATED_PER_HOUR', max: quota.perHour },
      );
    return room;
  }

  async get(id: string): Promise<Room | null> {
    const h = await this.redis.hgetall(this.keys.room(id));
    return h.id ? fromHash(h) : null;
  }

  async mustGet(id: string): Promise<Room> {
    const room = await this.get(id);
    if (!room) throw AppError.notFound(`Room ${id}`);
    return room;
  }

  /** Newest first; filters intersect. */
  async list(q: ListRoomsQuery): Promise<Room[]> {
    const k = this.keys;
    const sources = [
      q.agencyId ? k.byAgency(q.agencyId) : null,
      q.creatorId ? k.byCreator(q.creatorId) : null,
      q.status ? k.byStatus(q.status) : null,
    ].filter((s): s is string => s !== null);
    // Read the smallest index, filter the rest in memory (bounded by `limit` per page of the smallest set).
    const base = sources[0] ?? k.all;
    const ids = await this.redis.zrevrange(base, 0, Math.max(q.limit * 4, 200) - 1);
    const rooms = await Promise.all(ids.map((id) => this.get(id)));
    return rooms
      .filter((r): r is Room => r !== null)
      .filter(
        (r) =>
          (!q.agencyId || r.agencyId === q.agencyId) &&
          (!q.creatorId || r.creatorId === q.creatorId) &&
          (!q.status || r.status === q.status),
      )
      .slice(0, q.limit);
  }

  /** Atomic status change (see lua/transition.lua). */
  async transition(id: string, action: 'live' | 'end', reason = ''): Promise<Room> {
    const k = this.keys;
    // The creator never changes, so reading it first is safe; the script finds no room if there is none.
    const creatorId = (await this.redis.hget(k.room(id), 'creatorId')) ?? '';
    const res = (await this.lua.run(
      'transition',
      [k.room(id), k.byStatus('scheduled'), k.byStatus('live'), k.byStatus('ended'), k.creatorOpen(creatorId)],
      [action, Date.now(), reason],
    )) as [number, string?];
    if (res[0] === -1) throw AppError.notFound(`Room ${id}`);
    if (res[0] === -2)
      throw AppError.conflict(action === 'live' ? `Room is ${res[1]}; only a scheduled room can go live` : 'Room already ended');
    return this.mustGet(id);
  }
}

function toHash(r: Room): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(r)) if (v !== null) out[key] = String(v);
  return out;
}

function fromHash(h: Record<string, string>): Room {
  const num = (v: string | undefined) => (v === undefined ? null : Number(v));
  return {
    id: h.id!,
    title: h.title ?? '',
    coverUrl: h.coverUrl ?? null,
    creatorId: h.creatorId!,
    creatorName: h.creatorName ?? '',
    agencyId: h.agencyId ?? null,
    status: h.status as RoomStatus,
    scheduledAt: num(h.scheduledAt),
    startedAt: num(h.startedAt),
    endedAt: num(h.endedAt),
    endReason: h.endReason ?? null,
    createdAt: Number(h.createdAt),
    ...(h.record === 'false' ? { record: false } : {}),
  };
}
