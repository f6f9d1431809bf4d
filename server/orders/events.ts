import type { Redis } from 'ioredis';
import type { HawkerIo } from '../kernel/context.ts';
import type { Logger } from '../kernel/log.ts';
import { OrderFulfilment, OrderStatus } from '@hawker/protocol';
import { userChannel } from '../kernel/channels.ts';

/**
 * Pushes `order:updated` to buyers. Order transitions can happen in any process (a node, the webhook, a separate payment
 * worker), so the Lua scripts append each change to a Redis stream; every node tails the stream and emits to the
 * buyer's sockets *on that node* (`io.local`), so each buyer gets each change exactly once per connection, with one
 * packet per buyer, never a room broadcast. Best effort: the order in Redis is the truth (GET /api/orders/:id).
 */
export class OrderEventsPusher {
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Resolves on close(): the loop races every Redis call against it (see `untilStopped`). */
  private stopNow: () => void = () => {};
  private readonly stopped$ = new Promise<undefined>((resolve) => (this.stopNow = () => resolve(undefined)));

  /** `conn` is a dedicated connection (it blocks in XREAD); the pusher owns it and closes it. */
  constructor(
    private readonly conn: Redis,
    private readonly streamKey: string,
    private readonly io: HawkerIo,
    private readonly log: Logger,
  ) {}

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  private async run(): Promise<void> {
    let last: string | undefined;
    while (!this.stopped) {
      try {
        // Start after the newest entry: a node pushes what happens while it runs.
        last ??=
          ((await this.untilStopped(this.conn.xrevrange(this.streamKey, '+', '-', 'COUNT', 1)))?.[0]?.[0] as string | undefined) ?? '0-0';
        if (this.stopped) break;
        const res = (await this.untilStopped(this.conn.xread('COUNT', 500, 'BLOCK', 1_000, 'STREAMS', this.streamKey, last))) as
          | [string, [string, string[]][]][]
          | null
          | undefined;
        for (const [id, fields] of res?.[0]?.[1] ?? []) {
          last = id;
          this.push(fields);
        }
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err: (err as Error).message }, 'order events stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private push(fields: string[]): void {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
    const status = OrderStatus.safeParse(f.status);
    if (!f.orderId || !f.buyerId || !status.success) {
      this.log.error({ fields }, 'malformed order event skipped');
      return;
    }
    const fulfilment = f.fulfilment ? OrderFulfilment.safeParse(safeJson(f.fulfilment)) : null;
    this.io.local.to(userChannel(f.buyerId)).emit('order:updated', {
      orderId: f.orderId,
      status: status.data,
      reason: f.reason || null,
      chargeId: f.chargeId || null,
      updatedAt: Number(f.updatedAt),
      // A fulfilment step (server/fulfilment) carries the order's fulfilment as JSON.
      ...(fulfilment?.success ? { fulfilment: fulfilment.data } : {}),
    });
  }

  /**
   * A command queued while the connection is reconnecting never settles if the connection is then closed (ioredis
   * does not flush its offline queue when disconnect() lands during a reconnect back-off), so close() must not wait
   * on it: the loop waits for whichever comes first, the reply or close().
   */
  private untilStopped<T>(cmd: Promise<T>): Promise<T | undefined> {
    cmd.catch(() => {}); // after close() nobody awaits it; its rejection is expected
    return Promise.race([cmd, this.stopped$]);
  }

  /** Idempotent; waits for the read loop to stop. */
  async close(): Promise<void> {
    this.stopped = true;
    this.stopNow();
    this.conn.disconnect(); // interrupts the blocking XREAD
    await this.loop;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
