import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import type { WebhookQueue } from './queue.ts';
import type { WebhookStore } from './store.ts';

/** Events claimed per transaction. */
const BATCH = 100;

/**
 * Turns outbox events into deliveries and jobs. Every node runs one: each tick claims undispatched events with FOR
 * UPDATE SKIP LOCKED (nodes never take the same event), builds the payload from the ledger's order, inserts one
 * delivery per subscribed endpoint (at most one per event and endpoint, by a unique index) and marks the events
 * dispatched, in one transaction; then queues the new deliveries' jobs (job id = delivery id). A node that dies between
 * the commit and the queueing leaves pending deliveries not marked queued, which the next tick on any node queues;
 * a pending delivery no attempt touched for longer than any backoff gets its job re-added or retried.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: WebhookStore,
    private readonly queue: WebhookQueue,
    private readonly everyMs: number,
    private readonly log: Logger,
    /** A pending delivery untouched for this long is checked against its job (longer than any backoff plus timeout). */
    private readonly staleMs: number,
  ) {}

  start(): void {
    const loop = () => {
      this.running = this.tick()
        .catch((err: unknown) => this.log.error({ err }, 'webhook dispatch failed; retrying on the next tick'))
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(loop, this.everyMs);
        });
    };
    this.timer = setTimeout(loop, this.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: dispatches every waiting event (in batches), then queues deliveries a crashed pass left unqueued. */
  async tick(): Promise<void> {
    for (;;) {
      const { claimed, created } = await this.store.tx(async (c) => {
        const events = await this.store.claimOutbox(c, BATCH);
        const created: string[] = [];
        // The batch's orders in one statement, and each (type, shops, agency)'s subscribers asked once: a busy shop's
        // events share both (two statements per order event before, a few per batch now).
        const orders = await this.store.orderSnapshots(
          c,
          events.flatMap((e) => (e.orderId !== undefined ? [e.orderId] : [])),
        );
        const subscribers = new Map<string, ReturnType<WebhookStore['subscribers']>>();
        const subscribersOf = (type: string, shopIds: string[], agencyId: string | null) => {
          const key = JSON.stringify([type, shopIds, agencyId]);
          let subs = subscribers.get(key);
          if (!subs) subscribers.set(key, (subs = this.store.subscribers(c, type, shopIds, agencyId)));
          return subs;
        };
        for (const e of events) {
          let subject: { data: Record<string, unknown>; shopIds: string[]; agencyId: string | null };
          if (e.orderId !== undefined) {
            const order = orders.get(e.orderId);
            if (!order) continue;
            const shopId = order.shopId as string | null;
            subject = { data: { order }, shopIds: shopId ? [shopId] : [], agencyId: order.agencyId as string | null };
          } else {
            subject = { data: { live: e.live }, shopIds: e.shopIds, agencyId: e.agencyId };
          }
          const subs = await subscribersOf(e.type, subject.shopIds, subject.agencyId);
          if (subs.length === 0) continue;
          const body = JSON.stringify({ id: e.eventId, type: e.type, createdAt: e.createdAt.getTime(), data: subject.data });
          for (const s of subs) {
            const id = await this.store.insertDelivery(c, {
              id: newId(),
              endpointId: s.id,
              eventId: e.eventId,
              type: e.type,
              body,
              redeliveryOf: null,
            });
            if (id) created.push(id);
          }
        }
        if (events.length > 0)
          await this.store.markDispatched(
            c,
            events.map((e) => e.id),
          );
        return { claimed: events.length, created };
      });
      await this.queueAll(created);
      if (claimed < BATCH) break;
    }
    // Deliveries a pass committed but did not queue (its node died in between); the grace keeps us off a live pass's.
    await this.queueAll(await this.store.unqueued(Math.max(5 * this.everyMs, 2_000), 500));
    // Deliveries whose job was lost (Redis data loss) or failed without recording its last attempt.
    const stale = await this.store.stale(this.staleMs, 100);
    for (const id of stale) {
      const did = await this.queue.ensure(id);
      if (did !== 'present') this.log.warn({ deliveryId: id, did }, 'webhook delivery had no live job; queued it again');
    }
    if (stale.length > 0) await this.store.touch(stale);
  }

  /** Queues jobs for `ids` and records that they exist. */
  async queueAll(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.queue.enqueue(ids);
    await this.store.markQueued(ids);
  }
}
