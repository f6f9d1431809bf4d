import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from '../kernel/log.ts';
import type { LedgerOrders } from '../ledger/index.ts';
import { settleUnconfirmed } from './unconfirmed.ts';
import type { PaymentEnqueuer } from './service.ts';
import { IDEMPOTENCY_TTL_MS, SETTLED_ORDER_TTL_MS, type OrderStore } from './store.ts';

/** How long recovery waits for placements already past Redis to commit before settling what is left. */
const DRAIN_MS = 20_000;
/** Rows per round trip while rewriting Redis from the ledger. */
const CHUNK = 2_000;

/** What one recovery did (logged, and returned for tests and drills). */
export interface RecoveryReport {
  runId: string;
  pools: number;
  anomalies: string[];
  openOrders: number;
  idempotencyKeys: number;
  settled: number;
  ms: number;
}

/**
 * Rebuilds Redis's hot copy of the money state from the PostgreSQL ledger whenever Redis may have lost data: at start,
 * and whenever the Redis server's run id changes (every restart has a new one, so a restart from an older AOF, or with
 * no data at all, is never mistaken for the server we last rebuilt). One node does the work, under an advisory lock.
 *
 * While it runs the fence key is absent and every reservation is refused (UNAVAILABLE, nothing reserved), so no
 * counter moves under the rebuild. Steps: settle reservations that never reached the ledger; rewrite open orders,
 * per-buyer usage, stock counters (sold + reserved + left = initial), and idempotency records from
 * the ledger; queue payment jobs for open orders (BullMQ lost them too); raise the fence; then re-apply any status the
 * ledger committed meanwhile (a worker that paid an order during the rebuild).
 */
export class HotStateRecovery {
  private known: string | undefined;
  private running: Promise<RecoveryReport | null> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly pool: pg.Pool,
    private readonly ledger: LedgerOrders,
    private readonly store: OrderStore,
    private readonly payments: PaymentEnqueuer,
    private readonly log: Logger,
    /**
     * Shop products (issue 15): the stock module seeds shop SKU pools from PostgreSQL (durable total = initial_stock +
     * stock_adjusted) before counters are rebuilt, and the catalog names the rooms a shop product was selected into
     * (its flash sales live in those rooms' histories).
     */
    private readonly shop: {
      shopStock: { seedAll(): Promise<number> } | null;
      roomsOf(productId: string): Promise<string[]>;
    } = { shopStock: null, roomsOf: async () => [] },
  ) {}

  /** Recovers if this Redis was not rebuilt yet; cheap when it was (one INFO and one EXISTS). */
  check(): Promise<RecoveryReport | null> {
    this.running ??= this.checkOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkOnce(): Promise<RecoveryReport | null> {
    const runId = await this.runId();
    if (runId === this.known && (await this.redis.exists(this.store.keys.fence)) === 1) return null;
    const client = await this.pool.connect();
    try {
      // One recovery per deployment at a time; the others wait and find it done.
      await client.query(`SELECT pg_advisory_lock(hashtext(current_schema() || ':redis-recovery'))`);
      try {
        const { rows } = await client.query<{ value: string }>(`SELECT value FROM ledger_meta WHERE key = 'redis_run_id'`);
        if (rows[0]?.value === runId && (await this.redis.exists(this.store.keys.fence)) === 1) {
          this.known = runId;
          return null;
        }
        const report = await this.recover(runId, rows[0] === undefined);
        await client.query(
          `INSERT INTO ledger_meta (key, value) VALUES ('redis_run_id', $1)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = clock_timestamp()`,
          [runId],
        );
        this.known = runId;
        return report;
      } finally {
        await client.query(`SELECT pg_advisory_unlock(hashtext(current_schema() || ':redis-recovery'))`).catch(() => {});
      }
    } finally {
      client.release();
    }
  }

  private async runId(): Promise<string> {
    const info = await this.redis.info('server');
    const m = /run_id:([0-9a-f]+)/.exec(info);
    if (!m) throw new Error('Redis INFO server has no run_id');
    return m[1]!;
  }

  private async recover(runId: string, firstStart: boolean): Promise<RecoveryReport> {
    const started = Date.now();
    const { keys } = this.store;
    await this.redis.del(keys.fence);
    // The first start of a deployment has nothing to recover: say so, rather than alarm whoever reads the log.
    const say = firstStart ? this.log.info.bind(this.log) : this.log.warn.bind(this.log);
    say(
      { runId },
      firstStart
        ? 'first start on this Redis: loading stock and orders from the ledger'
        : 'Redis may have lost data (new server run): orders paused while stock and orders are rebuilt from the ledger',
    );

    // 1. Placements already past Redis finish committing (or fail); whatever is left was never acknowledged.
    const drainUntil = Date.now() + DRAIN_MS;
    while ((await this.redis.zcount(keys.unconfirmed, Date.now() - 2_000, '+inf')) > 0 && Date.now() < drainUntil) {
      await new Promise((r) => setTimeout(r, 100));
    }
    let settled = 0;
    for (;;) {
      const n = await settleUnconfirmed(this.ledger, this.store, this.log, 0, true);
      settled += n;
      if ((await this.redis.zcard(keys.unconfirmed)) === 0) break;
    }

    // Steps 2 to 4 read ONE snapshot of the ledger, so the order copies and the counters they write agree with each
    // other. Workers keep committing meanwhile, but their mirrors are refused until the fence is back (transition.lua),
    // and step 7 applies every status committed after the snapshot onto copies and counters that both predate it.
    // (Reading each step at its own moment let an order be paid between two reads: its copy said paid while the
    // counters held it reserved, and no later mirror could tell; the host-crash drill caught it.)
    const { pools, anomalies, openOrders } = await this.rebuildFromSnapshot();

    // 5. Idempotency records of recent orders, so a buyer retrying a key gets their order, never a second one.
    let idempotencyKeys = 0;
    for (let after = ''; ; ) {
      const { rows } = await this.pool.query(
        `SELECT id, buyer_id, idempotency_key, fingerprint, created_at FROM orders
         WHERE created_at > clock_timestamp() - make_interval(secs => $1 / 1000.0) AND id > $2 ORDER BY id LIMIT $3`,
        [IDEMPOTENCY_TTL_MS, after, CHUNK],
      );
      if (!rows.length) break;
      const m = this.redis.multi();
      for (const r of rows) {
        const ttl = IDEMPOTENCY_TTL_MS - (Date.now() - (r.created_at as Date).getTime());
        if (ttl > 0) m.set(keys.idem(r.buyer_id, r.idempotency_key), `${r.id}|${r.fingerprint}`, 'PX', ttl);
      }
      await m.exec();
      idempotencyKeys += rows.length;
      after = rows[rows.length - 1].id;
    }

    // 6. Payment jobs: BullMQ's state went with Redis; every open order gets its job (job id = order id: no doubles).
    const { rows: open } = await this.pool.query<{ id: string }>(`SELECT id FROM orders WHERE status IN ('reserved', 'pending_payment')`);
    for (const { id } of open) await this.payments.enqueue(id);
    if (open.length) await this.ledger.markQueued(open.map((o) => o.id));

    await this.redis.set(keys.fence, runId);
    // 7. Statuses the ledger committed while we rewrote (workers keep paying): apply them again, harmlessly.
    for (const o of await this.ledger.changedSince(started - 5_000, 100_000)) await this.store.mirror(o);

    const report: RecoveryReport = { runId, pools, anomalies, openOrders, idempotencyKeys, settled, ms: Date.now() - started };
    if (anomalies.length)
      this.log.error({ anomalies }, "stock definitions in Redis cannot hold the ledger's orders (lost restocks?); check these pools");
    say(report, 'rebuilt Redis from the ledger; orders resume');
    return report;
  }

  /** Steps 2 to 4 of recover(), on one snapshot of the ledger (see there). */
  private async rebuildFromSnapshot(): Promise<{ pools: number; anomalies: string[]; openOrders: number }> {
    const { keys } = this.store;
    // Shop SKUs' pools first: any that Redis lost are created from PostgreSQL's durable total, so the rebuild finds
    // every one of them. Before the snapshot: it needs a connection of its own, and recovery already holds two (the
    // advisory lock's and the snapshot's) of a pool that may have only two.
    if (this.shop.shopStock) await this.shop.shopStock.seedAll();
    const snap = await this.pool.connect();
    let snapOpen = true;
    const endSnapshot = async () => {
      if (!snapOpen) return;
      snapOpen = false;
      await snap.query('COMMIT').catch(() => {});
      snap.release();
    };
    try {
      await snap.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // 2. Orders open in Redis that the ledger has settled (or never had) take the ledger's status.
      const redisOpen = await this.redis.zrange(keys.deadlines, 0, -1);
      for (let i = 0; i < redisOpen.length; i += CHUNK) {
        const ids = redisOpen.slice(i, i + CHUNK);
        const { rows: knownRows } = await snap.query<{
          id: string;
          status: string;
          failure_reason: string | null;
          charge_id: string | null;
          updated_at: Date;
        }>(`SELECT id, status, failure_reason, charge_id, updated_at FROM orders WHERE id = ANY($1::text[])`, [ids]);
        const known = new Map(knownRows.map((r) => [r.id, r]));
        const m = this.redis.multi();
        for (const id of ids) {
          const o = known.get(id);
          if (o && (o.status === 'reserved' || o.status === 'pending_payment')) continue; // rewritten in step 3
          m.hset(keys.order(id), {
            status: o?.status ?? 'cancelled',
            failureReason: o?.failure_reason ?? (o ? '' : 'not in the ledger'),
            chargeId: o?.charge_id ?? '',
            updatedAt: o?.updated_at.getTime() ?? Date.now(),
          });
          m.pexpire(keys.order(id), SETTLED_ORDER_TTL_MS); // settled: the ledger is its record (store.ts)
          m.zrem(keys.deadlines, id);
        }
        await m.exec();
      }

      // 3. Open orders: their Redis copy, as the ledger has it.
      let openOrders = 0;
      for (let after = ''; ; ) {
        const { rows } = await snap.query(
          `SELECT id, buyer_id, idempotency_key, room_id, agency_id, pool_kind, product_id, sku_id, sale_id, title, quantity,
                unit_price, amount, currency, status, created_at, updated_at, deadline, channel, shop_id, creator_id
         FROM orders WHERE status IN ('reserved', 'pending_payment') AND id > $1 ORDER BY id LIMIT $2`,
          [after, CHUNK],
        );
        if (!rows.length) break;
        const m = this.redis.multi();
        for (const r of rows) {
          m.hset(keys.order(r.id), {
            id: r.id,
            buyerId: r.buyer_id,
            idempotencyKey: r.idempotency_key,
            roomId: r.room_id ?? '',
            agencyId: r.agency_id ?? '',
            channel: r.channel,
            shopId: r.shop_id ?? '',
            creatorId: r.creator_id ?? '',
            poolKind: r.pool_kind,
            productId: r.product_id,
            skuId: r.sku_id,
            saleId: r.sale_id ?? '',
            title: r.title,
            quantity: r.quantity,
            unitPrice: r.unit_price,
            amount: r.amount,
            currency: r.currency,
            status: r.status,
            createdAt: (r.created_at as Date).getTime(),
            updatedAt: (r.updated_at as Date).getTime(),
            deadline: (r.deadline as Date).getTime(),
          });
          m.zadd(keys.deadlines, (r.deadline as Date).getTime(), r.id);
          m.zadd(keys.byBuyer(r.buyer_id), (r.created_at as Date).getTime(), r.id);
          // Orders outside a room are indexed per buyer only (as reserve.lua does).
          if (r.room_id) m.zadd(keys.byRoom(r.room_id), (r.created_at as Date).getTime(), r.id);
        }
        await m.exec();
        openOrders += rows.length;
        after = rows[rows.length - 1].id;
      }

      // 4. Stock counters and per-buyer usage, per SKU with its sales (shop SKUs' pools were seeded before the snapshot).
      const { rows: counts } = await snap.query(
        `SELECT room_id, product_id, sku_id, sale_id,
              coalesce(sum(quantity) FILTER (WHERE status IN ('reserved', 'pending_payment')), 0)::int AS open,
              coalesce(sum(quantity) FILTER (WHERE status = 'paid'), 0)::int AS paid
       FROM orders GROUP BY room_id, product_id, sku_id, sale_id`,
      );
      const { rows: usage } = await snap.query(
        `SELECT product_id, sku_id, sale_id, buyer_id, sum(quantity)::int AS units FROM orders
       WHERE status IN ('reserved', 'pending_payment', 'paid') GROUP BY product_id, sku_id, sale_id, buyer_id`,
      );
      // Every read is done: free the snapshot's connection (the catalog's lookups below need the pool). The counters
      // are still written from this snapshot, and no mirror can move them before the fence is back.
      await endSnapshot();
      const skus = new Map<
        string,
        {
          rooms: Set<string>;
          productId: string;
          skuId: string;
          open: number;
          paid: number;
          sales: Map<string, { open: number; paid: number }>;
        }
      >();
      for (const c of counts) {
        const k = `${c.product_id}\n${c.sku_id}`;
        let s = skus.get(k);
        if (!s) skus.set(k, (s = { rooms: new Set(), productId: c.product_id, skuId: c.sku_id, open: 0, paid: 0, sales: new Map() }));
        // A shop SKU sells in many rooms and outside any (room_id null): its sales may be in any room it was selected into.
        if (c.room_id) s.rooms.add(c.room_id);
        if (c.sale_id) s.sales.set(c.sale_id, { open: c.open, paid: c.paid });
        else {
          s.open += c.open;
          s.paid += c.paid;
        }
      }
      const anomalies: string[] = [];
      const roomSales = new Map<string, { saleId: string; productId: string; skuId: string }[]>();
      for (const s of skus.values()) {
        // Sales of this SKU with no ledger orders still hold units (allocated): find them all in the rooms' histories.
        for (const roomId of await this.shop.roomsOf(s.productId)) s.rooms.add(roomId);
        for (const roomId of s.rooms) {
          let inRoom = roomSales.get(roomId);
          if (!inRoom) {
            const ids = await this.redis.zrange(this.store.sales.roomHistory(roomId), 0, -1);
            const m = this.redis.multi();
            for (const id of ids) m.hmget(this.store.sales.sale(id), 'productId', 'skuId');
            const res = ((await m.exec()) ?? []).map(([, v]) => v as (string | null)[]);
            inRoom = ids.map((saleId, i) => ({ saleId, productId: res[i]?.[0] ?? '', skuId: res[i]?.[1] ?? '' }));
            roomSales.set(roomId, inRoom);
          }
          for (const sale of inRoom)
            if (sale.productId === s.productId && sale.skuId === s.skuId && !s.sales.has(sale.saleId))
              s.sales.set(sale.saleId, { open: 0, paid: 0 });
        }
        const res = await this.store.rebuildPool(
          s,
          [...s.sales].map(([saleId, c]) => ({ saleId, ...c })),
        );
        if (res === null) anomalies.push(`SKU pool missing: ${s.productId}/${s.skuId}`);
        else anomalies.push(...res);
      }
      {
        const m = this.redis.multi();
        for (const c of counts) m.del(keys.units(this.poolId(c)));
        for (const u of usage) m.hset(keys.units(this.poolId(u)), u.buyer_id, u.units);
        await m.exec();
      }
      return { pools: skus.size, anomalies, openOrders };
    } finally {
      await endSnapshot();
    }
  }

  private poolId(c: { product_id: string; sku_id: string; sale_id: string | null }): string {
    return this.store.poolId(
      c.sale_id
        ? { kind: 'sale', saleId: c.sale_id, productId: c.product_id, skuId: c.sku_id }
        : { kind: 'sku', productId: c.product_id, skuId: c.sku_id },
    );
  }
}
