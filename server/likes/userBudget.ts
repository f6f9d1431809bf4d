import type { Redis } from 'ioredis';
import { LuaScripts } from '../kernel/lua.ts';

/** A node's unspent share of one user's budget for one second (by the Redis clock). */
interface Lease {
  left: number;
  /** Node time by which the second it belongs to is over for sure (it is then dropped, never carried over). */
  until: number;
  /** Redis granted less than asked: the user's second is spent everywhere, so nothing more is asked until it ends. */
  spent: boolean;
}

/**
 * LIKES_PER_USER_PER_SEC: like taps one user may add per second, summed over all their connections on every node.
 *
 * The budget lives in Redis (lua/take.lua: a counter per user for the current second of the Redis clock), but a node
 * does not ask per tap: it takes a lease of `chunk` taps (a third of the budget) at a time and serves taps from it
 * locally until it runs out or the second ends. So a user tapping at a human rate costs about one Redis call per second
 * per node, and a user flooding costs one call per second per node once their second is spent (the lease remembers it),
 * whatever the tap or packet rate. The trade-off: a lease is taken from the user's budget whether or not it is used, so
 * a user spread over several nodes in the same second may get up to `chunk` fewer taps than the limit on some of them;
 * the limit itself is never exceeded (leases expire with their second, computed from the node's clock taken before the
 * call, so a lease never outlives its second). With 2 s of TTL, the Redis key of an idle user disappears by itself.
 */
export class UserTapBudget {
  private readonly leases = new Map<string, Lease>();
  private readonly lua: LuaScripts<'take'>;
  private readonly chunk: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    redis: Redis,
    private readonly key: (userId: string) => string,
    readonly perSecond: number,
  ) {
    this.lua = new LuaScripts(redis, 'likes', new URL('./lua/', import.meta.url), ['take']);
    this.chunk = Math.max(1, Math.ceil(perSecond / 3));
    // Leases die with their second; the map of users who tapped lately is swept so it never grows with time.
    this.sweeper = setInterval(() => this.sweep(), 5_000).unref();
  }

  /**
   * Takes up to `n` taps of `userId`'s budget; returns how many were granted (0..n) and, when fewer than `n`, how long
   * until the budget refills (ms).
   */
  async take(userId: string, n: number): Promise<{ granted: number; retryAfterMs: number }> {
    const now = Date.now();
    let lease = this.leases.get(userId);
    if (lease && lease.until <= now) lease = undefined;
    const local = lease ? Math.min(n, lease.left) : 0;
    if (lease) lease.left -= local;
    if (local === n) return { granted: n, retryAfterMs: 0 };
    if (lease?.spent) return { granted: local, retryAfterMs: lease.until - now };
    const want = Math.max(n - local, this.chunk);
    const [granted, msLeft] = (await this.lua.run('take', [this.key(userId)], [want, this.perSecond])) as [number, number];
    // Replaces whatever lease this user had (a call in parallel may have set one): dropping taps is safe, granting
    // taps from two seconds at once is not.
    const fresh: Lease = { left: 0, until: now + msLeft, spent: granted < want };
    const used = Math.min(granted, n - local);
    fresh.left = granted - used;
    this.leases.set(userId, fresh);
    const total = local + used;
    return { granted: total, retryAfterMs: total < n ? Math.max(1, fresh.until - Date.now()) : 0 };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [userId, lease] of this.leases) if (lease.until <= now) this.leases.delete(userId);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.leases.clear();
  }
}
