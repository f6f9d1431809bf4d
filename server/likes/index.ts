import type { Redis } from 'ioredis';
import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { on } from '../edge/socket.ts';
import { TokenBucket } from '../kernel/tokenBucket.ts';
import { UserTapBudget } from './userBudget.ts';
import type { StatsSource } from '../presence/statsSource.ts';
import type { RoomHook } from '../rooms/hooks.ts';

/** Redis keys owned by the likes domain. */
export const likeKeys = (p: string) => ({
  total: (roomId: string) => `${p}likes:${roomId}`,
  /** Hash: one user's LIKES_PER_USER_PER_SEC budget for the current second (lua/take.lua; expires after 2 s). */
  userBudget: (userId: string) => `${p}likes:budget:${userId}`,
});

/** Taps one connection may add: a generous human tapping rate, so scripts cannot inflate counts at wire speed. */
const TAPS_PER_CONNECTION = { ratePerSec: 15, burst: 45 };

/** How long an ended room's like total stays readable. */
const ENDED_ROOM_TTL_S = 7 * 24 * 3600;

/**
 * Like totals, presence's `likes` stats source. Taps are only added to an in-memory per-room delta; presence's stats tick
 * folds the delta into Redis with one INCRBY per room per tick on each node, and presence's stats broadcast pushes the
 * totals. Cost never grows with the tap rate: no per-tap Redis command and no per-tap packet.
 */
export class LikeCounter implements StatsSource {
  readonly keys: ReturnType<typeof likeKeys>;
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = likeKeys(prefix);
  }

  add(roomId: string, taps: number): void {
    this.pending.set(roomId, (this.pending.get(roomId) ?? 0) + taps);
  }

  /**
   * Folds this node's pending taps into the room total; returns how many were folded (0: the total did not move
   * because of this node). On failure the taps stay pending.
   */
  async flush(roomId: string): Promise<number> {
    const delta = this.pending.get(roomId) ?? 0;
    if (delta === 0) return 0;
    this.pending.delete(roomId);
    try {
      await this.redis.incrby(this.keys.total(roomId), delta);
      return delta;
    } catch (err) {
      this.add(roomId, delta);
      throw err;
    }
  }

  /** The stored totals of several rooms, in order (what every node has flushed), for stats broadcasts. */
  async totals(roomIds: readonly string[]): Promise<number[]> {
    if (roomIds.length === 0) return [];
    return (await this.redis.mget(roomIds.map((roomId) => this.keys.total(roomId)))).map((v) => Number(v ?? 0));
  }

  /** The total as this node knows it right now (stored plus not yet flushed), for join snapshots. */
  async total(roomId: string): Promise<number> {
    return Number((await this.redis.get(this.keys.total(roomId))) ?? 0) + (this.pending.get(roomId) ?? 0);
  }

  /** Drops this node's pending taps (the room ended or has no local participant any more). */
  drop(roomId: string): void {
    this.pending.delete(roomId);
  }
}

/** The likes domain: the like:tap event and the counter presence pushes from. */
export function createLikes(ctx: HawkerContext): Domain & {
  counter: LikeCounter;
  hook: RoomHook;
  onConnection(socket: HawkerSocket): void;
  /** Adds a listener told of every counted tap (the crowd pipeline, issue 19); it must not throw. */
  onTap(listener: (userId: string, roomId: string, count: number) => void): void;
} {
  const tapListeners: ((userId: string, roomId: string, count: number) => void)[] = [];
  const counter = new LikeCounter(ctx.redis, ctx.config.REDIS_KEY_PREFIX);
  const budget = new UserTapBudget(ctx.redis, counter.keys.userBudget, ctx.config.LIKES_PER_USER_PER_SEC);
  const log = ctx.log.child({ module: 'likes' });
  return {
    name: 'likes',
    counter,
    onTap: (listener) => void tapListeners.push(listener),
    hook: {
      name: 'likes',
      priority: 600,
      async onEnded(roomId) {
        counter.drop(roomId);
        await ctx.redis.expire(counter.keys.total(roomId), ENDED_ROOM_TTL_S);
      },
    },
    onConnection(socket) {
      const taps = new TokenBucket(TAPS_PER_CONNECTION);
      // Two limits, the connection's first (in memory), then the user's across every connection and node
      // (LIKES_PER_USER_PER_SEC, userBudget.ts). Taps over either are clipped: `accepted` says how many counted. When the
      // user's budget for this second is already spent, nothing counts and the answer is RATE_LIMITED naming the limit.
      on(socket, 'like:tap', log, async ({ roomId, count }) => {
        if (!socket.data.rooms.has(roomId)) throw AppError.forbidden('Join the room before liking it');
        const allowed = taps.take(count);
        if (allowed === 0) return { accepted: 0 };
        const { granted, retryAfterMs } = await budget.take(socket.data.principal.userId, allowed);
        if (granted === 0)
          throw AppError.rateLimited(retryAfterMs, `At most ${budget.perSecond} likes per second per person; tap again in a moment`, {
            name: 'LIKES_PER_USER_PER_SEC',
            max: budget.perSecond,
          });
        // Checked again after the wait: a room left meanwhile gets no taps.
        if (!socket.data.rooms.has(roomId)) return { accepted: 0 };
        counter.add(roomId, granted);
        for (const l of tapListeners) l(socket.data.principal.userId, roomId, granted);
        return { accepted: granted };
      });
    },
    async close() {
      budget.close();
    },
  };
}
