import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { HawkerSocket } from '../kernel/context.ts';
import { AppError, answerFor } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { LuaScripts } from '../kernel/lua.ts';
import { Ticker } from '../kernel/ticker.ts';

/** Redis keys of the connection count (SOCKETS_PER_USER). */
export const connectionKeys = (p: string) => ({
  /** Zset: node id -> alive-until (Redis ms); a node's connections count only while it is alive. */
  nodes: `${p}conns:nodes`,
  /** Hash: one user's open connections, socket id -> node id. */
  user: (userId: string) => `${p}conns:user:${userId}`,
  /** Set: the users with a connection through one node (what to take back if it dies). */
  nodeUsers: (nodeId: string) => `${p}conns:node:${nodeId}`,
});

/** Dead nodes listed per heartbeat (more are listed by the next one). */
const MAX_DEAD_PER_BEAT = 20;

/** A Socket.IO middleware: `next()` lets the connection in, `next(err)` refuses it (the client's connect_error). */
export type ConnectionMiddleware = (socket: HawkerSocket, next: (err?: Error) => void) => void;

/**
 * SOCKETS_PER_USER: open connections one user may hold, counted across every node.
 *
 * Each user's connections are a Redis hash (socket id -> node id). A handshake is counted by lua/claim.lua, which
 * refuses it atomically when the user already holds the most, so parallel handshakes on several nodes cannot overshoot.
 * A connection stops counting when it closes (its transport closes or it is disconnected). Why liveness per node rather
 * than per connection: a node that crashes never runs its disconnect handlers, so its entries would count forever.
 * Refreshing an expiry per connection would cost one write per connection per beat; instead each node beats once
 * (lua/heartbeat.lua: a zset of alive-until times), a connection counts only while its node is alive, and the first
 * live node to see a dead one takes all its connections out (lua/reap.lua, using the node's set of users). A node that
 * stalled past its liveness and finds it was declared dead writes its connections back. So a crashed node's
 * connections stop counting within PRESENCE_TTL_MS, with O(1) work per node per beat and nothing per connection.
 */
export class ConnectionCounter {
  readonly keys: ReturnType<typeof connectionKeys>;
  readonly nodeId = randomBytes(6).toString('base64url');
  private readonly lua: LuaScripts<'claim' | 'heartbeat' | 'reap'>;
  /** Connections this node counted: socket id -> user id. */
  private readonly local = new Map<string, string>();
  /** How many of `local` each user has (the node's set of users loses a user when it drops to 0). */
  private readonly perUser = new Map<string, number>();
  private readonly heartbeat: Ticker;
  /** The first heartbeat (never rejects: the ticker logs a failed beat). */
  private readonly started: Promise<void>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.keys = connectionKeys(prefix);
    this.lua = new LuaScripts(redis, 'conns', new URL('./lua/', import.meta.url), ['claim', 'heartbeat', 'reap']);
    this.heartbeat = new Ticker('connections-heartbeat', Math.max(100, Math.floor(ttlMs / 3)), log, () => this.beat()).start();
    // The first beat before any handshake is counted (other nodes drop entries of nodes they do not see alive). Not in
    // this tick: ioredis's auto-pipeline of the current tick was built before the scripts above were defined, and a
    // script it does not know breaks its batch.
    this.started = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.heartbeat.tick());
  }

  /**
   * The handshake middleware (after authentication: it needs the principal). Over the limit, the connection is refused
   * with connect_error data `{ code: 'QUOTA_EXCEEDED', details: { limit: 'SOCKETS_PER_USER', max } }`.
   */
  readonly middleware: ConnectionMiddleware = (socket, next) => {
    const userId = socket.data.principal.userId;
    this.claim(socket.id, userId).then(
      (counted) => {
        if (!counted) {
          const e = new Error('Too many connections') as Error & { data?: unknown };
          e.data = AppError.quotaExceeded(
            'SOCKETS_PER_USER',
            this.max,
            `You already have ${this.max} connections open (the most allowed); close a tab or another device and retry`,
          ).toWire();
          next(e);
          return;
        }
        // The engine connection's close covers every way a connection ends, including one that closes before
        // Socket.IO admits it (no disconnect event then); the disconnect event covers a server-side disconnect that
        // keeps the transport. Releasing twice is harmless.
        const release = () => this.release(socket.id);
        socket.conn.once('close', release);
        socket.once('disconnect', release);
        next();
      },
      (err: unknown) => {
        const e = new Error((err as Error).message) as Error & { data?: unknown };
        e.data = answerFor(err, this.log, { handshake: socket.id }, 'connection count').toWire();
        next(e);
      },
    );
  };

  /** Counts the connection unless the user already holds the most; true when counted. */
  private async claim(socketId: string, userId: string): Promise<boolean> {
    await this.started;
    const k = this.keys;
    const [counted] = (await this.lua.run(
      'claim',
      [k.nodes, k.user(userId), k.nodeUsers(this.nodeId)],
      [this.nodeId, socketId, this.max, userId],
    )) as [number, number];
    if (counted !== 1) return false;
    if (!this.local.has(socketId)) {
      this.local.set(socketId, userId);
      this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    }
    return true;
  }

  private release(socketId: string): void {
    const userId = this.local.get(socketId);
    if (userId === undefined) return;
    this.local.delete(socketId);
    const left = (this.perUser.get(userId) ?? 1) - 1;
    const m = this.redis.multi().hdel(this.keys.user(userId), socketId);
    if (left > 0) this.perUser.set(userId, left);
    else {
      this.perUser.delete(userId);
      m.srem(this.keys.nodeUsers(this.nodeId), userId);
    }
    // A failed release leaves the entry until this node dies or the user's next handshake on a live node re-checks:
    // logged, and it can only make the count stricter for a while.
    m.exec().catch((err: Error) => this.log.warn({ err, userId }, 'releasing a counted connection failed'));
  }

  /** The user's connections as counted now (tests and diagnostics). */
  async count(userId: string): Promise<number> {
    return this.redis.hlen(this.keys.user(userId));
  }

  private async beat(): Promise<void> {
    const [wasAlive, ...dead] = (await this.lua.run('heartbeat', [this.keys.nodes], [this.nodeId, this.ttlMs, MAX_DEAD_PER_BEAT])) as [
      number,
      ...string[],
    ];
    if (wasAlive === 0 && this.local.size > 0) {
      this.log.warn({ connections: this.local.size }, 'this node missed its liveness; writing its connection counts back');
      await this.rewrite();
    }
    for (const nodeId of dead) {
      const dropped = await this.reap(nodeId);
      if (dropped > 0) this.log.info({ deadNode: nodeId, dropped }, "took a dead node's connections out of the per-user counts");
    }
  }

  /** Writes every connection this node holds back (after other nodes may have reaped them). */
  private async rewrite(): Promise<void> {
    const m = this.redis.multi();
    for (const [socketId, userId] of this.local) {
      m.hset(this.keys.user(userId), socketId, this.nodeId);
      m.sadd(this.keys.nodeUsers(this.nodeId), userId);
    }
    await m.exec();
  }

  private async reap(nodeId: string): Promise<number> {
    const k = this.keys;
    const users = await this.redis.smembers(k.nodeUsers(nodeId));
    return Number(await this.lua.run('reap', [k.nodes, k.nodeUsers(nodeId), ...users.map((u) => k.user(u))], [nodeId]));
  }

  /**
   * Stops the heartbeat and takes this node's remaining connections out of the counts (the node's sockets are closed
   * by then; this clears what their releases missed).
   */
  async close(): Promise<void> {
    await this.heartbeat.stop();
    await this.redis.zrem(this.keys.nodes, this.nodeId);
    await this.reap(this.nodeId);
    this.local.clear();
    this.perUser.clear();
  }
}
