import type { HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { userChannel } from '../kernel/channels.ts';
import type { Logger } from '../kernel/log.ts';
import type { Principal } from '@hawker/protocol';

/** Why a user's open connections are re-examined: their roster membership changed, or an admin revoked their sessions. */
export type RefreshReason = 'roster' | 'signedOut';

/** What a refresh found for one open connection: its principal before and after, and why it was recomputed. */
export interface PrincipalChange {
  before: Principal;
  after: Principal;
  reason: RefreshReason;
}

/**
 * Drops what one connection may no longer hold once its principal changed (console channels, console-only room
 * channels, media sessions...). Runs after `socket.data.principal` was updated; must be idempotent (a refresh may run
 * with nothing changed).
 */
export type SessionListener = (socket: HawkerSocket, change: PrincipalChange) => Promise<void>;

/**
 * How long a node remembers that a user's access changed. A socket whose handshake started before the change may have
 * read the old roster or cut-off: it is rechecked when it connects (handshakes take far less than this).
 */
const RECENT_MS = 60_000;

/** The message of a token refused because its user's sessions were revoked. */
const SIGNED_OUT = 'This session was signed out by an administrator; sign in again';

/**
 * Live sessions: access decisions that must reach connections already open. A socket's principal is computed at its
 * handshake; when a user's access changes (a roster change, an admin's "sign out everywhere"), `refresh` tells every
 * node (`auth:refresh` through the adapter) and each recomputes the principal of that user's local connections from
 * the claims kept on them, then lets the domains drop what the new principal may no longer hold (`onChange`). REST
 * requests recompute the principal on every request, so they need nothing more.
 *
 * Revocation ("sign out everywhere"): the user's cut-off, `notBefore` (epoch seconds) in Redis with a TTL of the
 * longest token lifetime (every token issued before it has expired by then): a token whose `iat` is before it is
 * refused by REST and handshakes on every node, and the user's open connections are told (`session:revoked`) and
 * disconnected.
 */
export class LiveSessions {
  private readonly listeners: SessionListener[] = [];
  /** The refresh running for each connection: refreshes of one connection apply in the order they arrived. */
  private readonly running = new WeakMap<HawkerSocket, Promise<void>>();
  /** User id -> when (performance.now()) this node last heard that their access changed, and why; insertion order = age. */
  private readonly recent = new Map<string, { at: number; reason: RefreshReason }>();
  /** When each connection's handshake started reading the roster and the cut-off (until it connects). */
  private readonly handshakes = new WeakMap<HawkerSocket, number>();
  private readonly log: Logger;

  constructor(
    private readonly ctx: HawkerContext,
    private readonly refine: (claims: Principal) => Promise<Principal>,
  ) {
    this.log = ctx.log.child({ module: 'sessions' });
    ctx.io.on('auth:refresh', ({ userId, reason }) => {
      this.refreshLocal(userId, reason).catch((err: Error) => this.log.error({ err, userId, reason }, 'refreshing sessions failed'));
    });
    // A refresh that reached this node while a handshake of the same user read the roster and the cut-off did not see
    // that socket (not yet connected), and the handshake may have read the state from before the change: recheck it
    // now that it is one of the user's connections. Runs before any event of the socket is handled.
    ctx.io.on('connection', (socket) => {
      const started = this.handshakes.get(socket);
      this.handshakes.delete(socket);
      const change = this.recent.get(socket.data.principal.userId);
      if (started === undefined || !change || change.at < started) return;
      this.serialized(socket, async () => this.refreshSocket(socket, await this.notBefore(socket.data.claims.userId), change.reason)).catch(
        (err: Error) => this.log.error({ err, userId: socket.data.claims.userId }, 'rechecking a new connection failed'),
      );
    });
  }

  /** Called by the handshake once it resolved the connection's principal: `started` is when it began reading. */
  identified(socket: HawkerSocket, started: number): void {
    this.handshakes.set(socket, started);
  }

  /** Registers what to drop when a connection's principal changes (called once per domain at start). */
  onChange(listener: SessionListener): void {
    this.listeners.push(listener);
  }

  private key(userId: string): string {
    return `${this.ctx.config.REDIS_KEY_PREFIX}auth:notBefore:${userId}`;
  }

  /** The user's revocation cut-off (epoch seconds: tokens issued before it are refused), or null. */
  async notBefore(userId: string): Promise<number | null> {
    const v = await this.ctx.redis.get(this.key(userId));
    return v === null ? null : Number(v);
  }

  /** Throws UNAUTHENTICATED when a token issued at `issuedAtS` falls before the user's cut-off. */
  check(issuedAtS: number, notBefore: number | null): void {
    if (notBefore !== null && issuedAtS < notBefore) throw AppError.unauthenticated(SIGNED_OUT);
  }

  /**
   * Signs the user out everywhere: every token issued up to now is refused from now on, and their open connections on
   * every node are told and disconnected. `iat` has one-second resolution, so the cut-off is the next whole second: a
   * token issued in the same second as the revocation is refused too. Returns the cut-off (epoch ms).
   */
  async revokeAll(userId: string): Promise<number> {
    const notBefore = Math.floor(Date.now() / 1000) + 1;
    // TTL: once the longest-lived token issued before the cut-off has expired, the cut-off refuses nothing more.
    await this.ctx.redis.set(this.key(userId), notBefore, 'EX', this.ctx.config.TOKEN_MAX_LIFETIME_S + 1);
    await this.refresh(userId, 'signedOut');
    return notBefore * 1000;
  }

  /** Re-examines the user's open connections on every node: this one now, the others through the adapter. */
  async refresh(userId: string, reason: RefreshReason): Promise<void> {
    this.ctx.io.serverSideEmit('auth:refresh', { userId, reason });
    await this.refreshLocal(userId, reason);
  }

  /** This node's part of a refresh: every local connection of the user, each recomputed in turn. */
  async refreshLocal(userId: string, reason: RefreshReason): Promise<void> {
    const now = performance.now();
    this.recent.delete(userId);
    this.recent.set(userId, { at: now, reason });
    for (const [id, { at }] of this.recent) {
      if (now - at < RECENT_MS) break;
      this.recent.delete(id);
    }
    const { io } = this.ctx;
    const sockets = [...(io.sockets.adapter.rooms.get(userChannel(userId)) ?? [])]
      .map((id) => io.sockets.sockets.get(id) as HawkerSocket | undefined)
      .filter((s): s is HawkerSocket => s !== undefined);
    if (sockets.length === 0) return;
    const notBefore = await this.notBefore(userId);
    await Promise.all(sockets.map((socket) => this.serialized(socket, () => this.refreshSocket(socket, notBefore, reason))));
  }

  private serialized(socket: HawkerSocket, task: () => Promise<void>): Promise<void> {
    const next = (this.running.get(socket) ?? Promise.resolve()).then(task, task);
    this.running.set(socket, next);
    return next;
  }

  private async refreshSocket(socket: HawkerSocket, notBefore: number | null, reason: RefreshReason): Promise<void> {
    if (!socket.connected) return;
    if (notBefore !== null && socket.data.issuedAtS < notBefore) {
      // Told first, then cut: the client knows this is final (the SDK does not reconnect with a refused token). Sent
      // locally: with connection-state recovery a plain socket.emit goes through the adapter's stream first and would
      // reach the client after the disconnect.
      this.ctx.io.local.to(socket.id).emit('session:revoked', { reason: 'signedOut', message: SIGNED_OUT });
      socket.disconnect();
      return;
    }
    const before = socket.data.principal;
    const after = await this.refine(socket.data.claims);
    if (!socket.connected) return;
    socket.data.principal = after;
    for (const listener of this.listeners) {
      try {
        await listener(socket, { before, after, reason });
      } catch (err) {
        // One domain failing to drop its part must not keep the others from dropping theirs; the principal is already
        // updated, so every further action is checked against it.
        this.log.error({ err, userId: after.userId, reason }, 'a session listener failed');
      }
    }
  }
}
