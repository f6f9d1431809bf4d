/**
 * An in-process token bucket: `burst` tokens, refilled continuously at `ratePerSec`. For per-connection budgets, where
 * the state dies with the connection; limits that must hold across nodes live in Redis instead (e.g. chat's).
 */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly opts: { ratePerSec: number; burst: number }) {
    this.tokens = opts.burst;
  }

  /** Takes up to `n` whole tokens; returns how many were available. */
  take(n = 1): number {
    const now = Date.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.ratePerSec);
    this.last = now;
    const granted = Math.min(n, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }
}
