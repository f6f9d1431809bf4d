import type { Logger } from './log.ts';

/**
 * Refusals are answers, not faults, and come by the thousand per second under abuse: logging each would make the
 * abuse cost the node (and the log) more than refusing it. Instead each refusal is counted by the limit that refused
 * it, and one line per interval says how many there were (and which clients were cut, a few named, the rest counted).
 * Nothing is logged for an interval without refusals.
 */
export class RefusalLog {
  private refused = new Map<string, number>();
  private cuts = new Map<string, { count: number; sample: string[] }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    readonly intervalMs = 60_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs).unref();
  }

  /** One refusal by `limit` (its configuration variable, or what refused it). */
  count(limit: string): void {
    this.refused.set(limit, (this.refused.get(limit) ?? 0) + 1);
  }

  /** A client (`who`: a user id, an address) cut by `limit` for a cool-down. */
  cut(limit: string, who: string): void {
    let c = this.cuts.get(limit);
    if (!c) this.cuts.set(limit, (c = { count: 0, sample: [] }));
    c.count++;
    if (c.sample.length < 5) c.sample.push(who);
  }

  /** Logs the interval's counts (if any) and starts a new interval. */
  flush(): void {
    if (this.refused.size === 0 && this.cuts.size === 0) return;
    const refused = Object.fromEntries(this.refused);
    const cuts = Object.fromEntries(this.cuts);
    this.refused = new Map();
    this.cuts = new Map();
    if (Object.keys(cuts).length > 0)
      this.log.warn({ refused, cuts, intervalMs: this.intervalMs }, 'refusals this interval; clients far past their budget were cut');
    else this.log.info({ refused, intervalMs: this.intervalMs }, 'refusals this interval');
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
