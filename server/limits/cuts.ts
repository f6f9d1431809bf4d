import type { Redis } from 'ioredis';
import type { ConnectionCut, LimitDetails, WireError } from '@hawker/protocol';
import type { HawkerSocket } from '../kernel/context.ts';
import { DenyCache } from '../kernel/denyCache.ts';
import type { Logger } from '../kernel/log.ts';
import type { RefusalLog } from '../kernel/refusalLog.ts';
import type { RefusalWatch } from '../edge/socket.ts';
import type { ConnectionMiddleware } from './connections.ts';

/** Redis keys of the cuts: a user whose connection was cut, until their cool-down ends (PX). */
export const cutKeys = (p: string) => ({
  user: (userId: string) => `${p}limits:cut:${userId}`,
});

export interface SocketCutLimits {
  /** SOCKET_CUT_REFUSALS */
  refusals: number;
  /** SOCKET_CUT_WINDOW_MS */
  windowMs: number;
  /** SOCKET_CUT_COOLDOWN_MS */
  cooldownMs: number;
}

/** Users in a cool-down this node remembers without asking Redis (more are still refused: Redis has them all). */
const COOLING_REMEMBERED = 10_000;

/**
 * SOCKET_CUT_REFUSALS: a connection that keeps sending far past its budget is cut. Every RATE_LIMITED answer a
 * connection gets (its event budget, LIKES_PER_USER_PER_SEC, chat's rate, the audit rate...) is counted in fixed
 * windows of SOCKET_CUT_WINDOW_MS; at SOCKET_CUT_REFUSALS in one window the connection is told once
 * (`connection:cut`: RATE_LIMITED naming SOCKET_CUT_REFUSALS, `retryAfterMs` the cool-down) and disconnected, and its
 * user's new connections are refused for SOCKET_CUT_COOLDOWN_MS on every node (a Redis key with that expiry, and this
 * node's memory of it, so a cut user's reconnect loop costs no Redis call here). The user's other connections are not
 * touched: each is judged by its own answers.
 *
 * Why a count in a window rather than a streak of refusals in a row: a flooding client's packets keep getting a few
 * taps through as its like budget refills every second, which would reset a streak; what marks it is how many
 * refusals it ignores. The SDK waits for its acks and sends at most 4 like packets a second per room, so even refused
 * for a whole window it stays under the default (60 in 10 s).
 */
export class SocketCuts implements RefusalWatch {
  private readonly keys: ReturnType<typeof cutKeys>;
  /** Per connection: its current window's refusals (dies with the socket). */
  private readonly windows = new WeakMap<object, { start: number; count: number; cut: boolean }>();
  private readonly cooling = new DenyCache<true>(COOLING_REMEMBERED);

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly limits: SocketCutLimits,
    private readonly refusals: RefusalLog,
    private readonly log: Logger,
  ) {
    this.keys = cutKeys(prefix);
  }

  refused(socket: HawkerSocket, error: WireError): boolean {
    // Unnamed: the connection's event budget (20/s) and chat's per-user rate.
    this.refusals.count((error.details as LimitDetails | undefined)?.limit ?? 'RATE_LIMITED (unnamed)');
    const now = Date.now();
    let w = this.windows.get(socket);
    if (!w || now - w.start >= this.limits.windowMs) {
      if (w?.cut) return true;
      w = { start: now, count: 0, cut: false };
      this.windows.set(socket, w);
    }
    if (w.cut) return true;
    if (++w.count < this.limits.refusals) return false;
    w.cut = true;
    this.cut(socket);
    return true;
  }

  /** What a cut connection is told, and what its user's handshakes get during the cool-down. */
  error(retryAfterMs: number): ConnectionCut {
    const { refusals, windowMs } = this.limits;
    return {
      code: 'RATE_LIMITED',
      message: `This connection kept sending after ${refusals} refusals within ${Math.round(windowMs / 1000)} s (SOCKET_CUT_REFUSALS) and was disconnected; reconnect in ${Math.ceil(retryAfterMs / 1000)} s, and wait out RATE_LIMITED answers`,
      details: { limit: 'SOCKET_CUT_REFUSALS', max: refusals, retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) },
    };
  }

  private cut(socket: HawkerSocket): void {
    const userId = socket.data.principal.userId;
    const { cooldownMs } = this.limits;
    this.cooling.deny(userId, Date.now() + cooldownMs, true);
    // Other nodes refuse the user's reconnects too; a failed write only makes the cool-down this node's alone.
    this.redis
      .set(this.keys.user(userId), '1', 'PX', cooldownMs)
      .catch((err: Error) => this.log.warn({ err: err.message, userId }, 'recording a cut for other nodes failed'));
    this.refusals.cut('SOCKET_CUT_REFUSALS', userId);
    // Local and synchronous: a plain socket.emit goes through the adapter's stream first (connection-state recovery),
    // and would arrive after the disconnect below. Queued before the DISCONNECT packet; the transport closes once both
    // are written.
    socket.nsp.local.to(socket.id).emit('connection:cut', this.error(cooldownMs));
    socket.disconnect(true);
  }

  /** Whether `userId` is in a cool-down this node knows of (tests and diagnostics). */
  coolingMs(userId: string): number {
    return this.cooling.get(userId)?.msLeft ?? 0;
  }

  /**
   * Handshake middleware (after authentication, before the connection is counted): a user in a cool-down is refused
   * with connect_error data RATE_LIMITED naming SOCKET_CUT_REFUSALS and the time left. From this node's memory when it
   * knows, else one Redis PTTL. Redis unreachable: let through (the cut is a shield for the node, not an access rule).
   */
  readonly middleware: ConnectionMiddleware = (socket, next) => {
    const userId = socket.data.principal.userId;
    const refuse = (ms: number) => {
      const e = new Error('Cooling down after a cut') as Error & { data?: unknown };
      e.data = this.error(ms) satisfies WireError;
      this.refusals.count('SOCKET_CUT_REFUSALS');
      next(e);
    };
    const known = this.cooling.get(userId);
    if (known) return refuse(known.msLeft);
    this.redis.pttl(this.keys.user(userId)).then(
      (ms) => {
        if (ms > 0) {
          this.cooling.deny(userId, Date.now() + ms, true);
          refuse(ms);
        } else next();
      },
      (err: Error) => {
        this.log.warn({ err: err.message, userId }, 'checking a cut cool-down failed; letting the connection through');
        next();
      },
    );
  };
}
