import type { Logger } from './log.ts';

/**
 * A periodic task owned by a domain: runs `fn` every `everyMs`, never overlapping itself (a slow tick delays the next
 * one instead of piling up), logs failures instead of throwing (the next tick retries). `stop()` is idempotent and
 * resolves once a tick in progress has finished, so a domain's close() can await it before closing its connections.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly everyMs: number,
    private readonly log: Logger,
    private readonly fn: () => Promise<void>,
  ) {}

  start(): this {
    if (!this.stopped && !this.timer) this.timer = setInterval(() => void this.tick(), this.everyMs);
    return this;
  }

  /** Runs one tick now (or joins the one in progress). */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.fn()
      .catch((err: Error) => this.log.error({ err, ticker: this.name }, 'tick failed; retrying next tick'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
