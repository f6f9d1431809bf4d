import type { Redis } from 'ioredis';
import { LuaScripts } from '../infra/lua.ts';

/** Redis keys owned by the presence domain. */
export const presenceKeys = (p: string) => ({
  /** Hash: node id -> distinct users in the room through that node. */
  room: (roomId: string) => `${p}presence:room:${roomId}`,
  /** Zset: node id -> alive-until (ms, Redis clock). */
  nodes: `${p}presence:nodes`,
});

/**
 * Viewer counts that are right across nodes and survive node crashes. Each node writes only its own share per room and
 * heartbeats its liveness; a count sums the shares of nodes still alive (lua/count.lua), so a crashed node's viewers
 * disappear from every count within PRESENCE_TTL_MS, with nothing to clean up.
 */
export class PresenceStore {
  readonly keys: ReturnType<typeof presenceKeys>;
  private readonly lua: LuaScripts<'heartbeat' | 'count'>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly nodeId: string,
    private readonly ttlMs: number,
  ) {
    this.keys = presenceKeys(prefix);
    this.lua = new LuaScripts(redis, 'presence', new URL('./lua/', import.meta.url), ['heartbeat', 'count']);
  }

  async heartbeat(): Promise<void> {
    await this.lua.run('heartbeat', [this.keys.nodes], [this.nodeId, this.ttlMs]);
  }

  /** Writes this node's share of the room (0 removes it) and returns the room's viewer count. */
  async report(roomId: string, localUsers: number): Promise<number> {
    return Number(await this.lua.run('count', [this.keys.room(roomId), this.keys.nodes], [this.nodeId, localUsers]));
  }

  /** Graceful leave: this node's shares and liveness go at once instead of after the TTL. */
  async removeNode(roomIds: readonly string[]): Promise<void> {
    const m = this.redis.multi().zrem(this.keys.nodes, this.nodeId);
    for (const roomId of roomIds) m.hdel(this.keys.room(roomId), this.nodeId);
    await m.exec();
  }

  /** The room ended: its counts are meaningless now. */
  async forget(roomId: string): Promise<void> {
    await this.redis.del(this.keys.room(roomId));
  }
}
