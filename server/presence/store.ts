import type { Redis } from 'ioredis';
import { LuaScripts } from '../kernel/lua.ts';
import type { RoomStats } from '@hawker/protocol';

/** Redis keys owned by the presence domain. */
export const presenceKeys = (p: string) => ({
  /** Hash: user id -> number of nodes whose share of the room holds the user. Its length is the viewer count. */
  viewers: (roomId: string) => `${p}presence:viewers:${roomId}`,
  /** Hash: a room's audience, `peak` (most viewers at once) and `total` (distinct viewers, set when it ends). Kept. */
  audience: (roomId: string) => `${p}presence:audience:${roomId}`,
  /** HyperLogLog: a live room's distinct viewers so far; folded into `audience` when the room ends. */
  seen: (roomId: string) => `${p}presence:seen:${roomId}`,
  /** Set: the users with a socket in the room through one node (that node's share). */
  share: (nodeId: string, roomId: string) => `${p}presence:share:${nodeId}:${roomId}`,
  /** Set: the rooms where a node's share is not empty (what to take back when the node dies). */
  nodeRooms: (nodeId: string) => `${p}presence:rooms:${nodeId}`,
  /** Zset: node id -> alive-until (ms, Redis clock). */
  nodes: `${p}presence:nodes`,
  /** Set: rooms whose stats changed since they were last broadcast. */
  changed: `${p}presence:changed`,
  /** String: the node that broadcasts stats (expiring claim, lua/claim.lua). */
  broadcaster: `${p}presence:broadcaster`,
  /** Hash: room id -> "viewers likes" last broadcast (a change marked and undone, or marked twice, is not re-sent). */
  sent: `${p}presence:sent`,
});

/** Membership changes one node writes for one room (see lua/sync.lua). */
export interface ShareChanges {
  /** Users whose first socket on this node entered the room. */
  joined: readonly string[];
  /** Users whose last socket on this node left the room. */
  left: readonly string[];
  /** A sourced number (the like total: statsSource.ts) moved: the stats must be broadcast even if the viewer count did not. */
  sourcesMoved: boolean;
  /** Empty this node's share first: `joined` is then the whole share. */
  rewrite?: boolean;
}

/** Dead nodes listed per heartbeat (more are listed by the next one). */
const MAX_DEAD_PER_BEAT = 20;

const sentValue = (s: RoomStats): string => `${s.viewers} ${s.likes}`;

/**
 * Viewer counts that count distinct users across nodes and survive node crashes. Each node writes only its own share of
 * each room (the users with a socket there through it); a per-room hash counts, for every user, the shares holding
 * them, so its length is the number of distinct users however many nodes or tabs they use (lua/sync.lua). Nodes
 * heartbeat their liveness; the shares of a node that stopped are taken back by whichever node notices first
 * (lua/reap.lua), so a crashed node's viewers disappear from every count with nothing to run on its behalf.
 */
export class PresenceStore {
  readonly keys: ReturnType<typeof presenceKeys>;
  private readonly lua: LuaScripts<'heartbeat' | 'sync' | 'reap' | 'claim' | 'count'>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly nodeId: string,
    private readonly ttlMs: number,
  ) {
    this.keys = presenceKeys(prefix);
    this.lua = new LuaScripts(redis, 'presence', new URL('./lua/', import.meta.url), ['heartbeat', 'sync', 'reap', 'claim', 'count']);
  }

  /** Marks this node alive for another PRESENCE_TTL_MS; returns the ids of dead nodes, for `reap`. */
  async heartbeat(): Promise<string[]> {
    return (await this.lua.run('heartbeat', [this.keys.nodes], [this.nodeId, this.ttlMs, MAX_DEAD_PER_BEAT])) as string[];
  }

  /**
   * Writes this node's membership changes for the room (marking the room changed if its count moved or `sourcesMoved`);
   * returns the size of this node's share in Redis afterwards.
   */
  async sync(roomId: string, c: ShareChanges): Promise<number> {
    const k = this.keys;
    return Number(
      await this.lua.run(
        'sync',
        [k.viewers(roomId), k.share(this.nodeId, roomId), k.nodeRooms(this.nodeId), k.changed, k.audience(roomId), k.seen(roomId)],
        [roomId, c.sourcesMoved ? 1 : 0, c.rewrite ? 1 : 0, c.joined.length, ...c.joined, ...c.left],
      ),
    );
  }

  /** The room's viewer count, counting `userId` as present if given (a joiner whose share is not written yet). */
  async count(roomId: string, userId?: string): Promise<number> {
    const key = this.keys.viewers(roomId);
    if (userId === undefined) return this.redis.hlen(key);
    // Atomic (lua/count.lua): the user's other node leaving between the two reads would otherwise count them twice.
    return Number(await this.lua.run('count', [key], [userId]));
  }

  /**
   * A room's audience: the most viewers at once and the distinct viewers (so far while live, HyperLogLog-approximate
   * above a few thousand). The creator is never counted (server/presence/index.ts keeps them out of every share).
   */
  async audience(roomId: string): Promise<{ peakViewers: number; totalViewers: number }> {
    const k = this.keys;
    const [[, h], [, seen]] = (await this.redis.multi().hgetall(k.audience(roomId)).pfcount(k.seen(roomId)).exec()) as [
      [null, Record<string, string>],
      [null, number],
    ];
    return { peakViewers: Number(h.peak ?? 0), totalViewers: Math.max(Number(h.total ?? 0), seen) };
  }

  /** Viewer counts of several rooms, in order. */
  async counts(roomIds: readonly string[]): Promise<number[]> {
    const reads = this.redis.pipeline();
    for (const roomId of roomIds) reads.hlen(this.keys.viewers(roomId));
    return ((await reads.exec()) ?? []).map(([err, n]) => {
      if (err) throw err;
      return Number(n);
    });
  }

  /**
   * Takes a dead node's users out of every room it served (idempotent; nothing happens if it turns out alive). Returns
   * how many users were taken out, or -1 if the node is alive.
   */
  async reap(nodeId: string): Promise<number> {
    const k = this.keys;
    const roomIds = await this.redis.smembers(k.nodeRooms(nodeId));
    const pairs = roomIds.flatMap((roomId) => [k.viewers(roomId), k.share(nodeId, roomId)]);
    return Number(await this.lua.run('reap', [k.nodes, k.nodeRooms(nodeId), k.changed, ...pairs], [nodeId, ...roomIds]));
  }

  /** Claims (or renews) the stats broadcast for `ms`; false while another node holds it. */
  async claimBroadcast(ms: number): Promise<boolean> {
    return Number(await this.lua.run('claim', [this.keys.broadcaster], [this.nodeId, ms])) === 1;
  }

  /** Takes up to `max` rooms whose stats changed; SPOP, so two nodes never take the same change. */
  async takeChanged(max: number): Promise<string[]> {
    return (await this.redis.spop(this.keys.changed, max)) as string[];
  }

  /** The stats that differ from what was last broadcast for their room. */
  async unsent(stats: readonly RoomStats[]): Promise<RoomStats[]> {
    if (stats.length === 0) return [];
    const sent = await this.redis.hmget(this.keys.sent, ...stats.map((s) => s.roomId));
    return stats.filter((s, i) => sent[i] !== sentValue(s));
  }

  /** Records stats as broadcast. */
  async recordSent(stats: readonly RoomStats[]): Promise<void> {
    if (stats.length > 0) await this.redis.hset(this.keys.sent, Object.fromEntries(stats.map((s) => [s.roomId, sentValue(s)])));
  }

  /** Puts rooms back in the changed set (their broadcast failed). */
  async markChanged(roomIds: readonly string[]): Promise<void> {
    if (roomIds.length > 0) await this.redis.sadd(this.keys.changed, ...roomIds);
  }

  /**
   * Graceful leave: this node stops being alive and its shares are taken back now instead of after the TTL. Call it once
   * nothing writes shares any more: writes sent earlier on this connection run before it.
   */
  async removeNode(): Promise<void> {
    await this.redis.zrem(this.keys.nodes, this.nodeId);
    await this.reap(this.nodeId);
  }

  /**
   * The room ended: its count and this node's share go (every node runs this for its own share; a dead node's share is
   * reaped with the node).
   */
  async forget(roomId: string): Promise<void> {
    const k = this.keys;
    // The distinct count is kept (a few bytes) and its HyperLogLog (up to 12 KB) dropped. Every node runs this: the first
    // folds the count in; the others find the HyperLogLog gone and keep it (HSETNX).
    const total = await this.redis.pfcount(k.seen(roomId));
    if (total > 0) await this.redis.hsetnx(k.audience(roomId), 'total', total);
    await this.redis
      .multi()
      .del(k.seen(roomId))
      .del(k.viewers(roomId), k.share(this.nodeId, roomId))
      .srem(k.nodeRooms(this.nodeId), roomId)
      .srem(k.changed, roomId)
      .hdel(k.sent, roomId)
      .exec();
  }
}
