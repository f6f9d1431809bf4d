import type pg from 'pg';
import type { Logger } from '../kernel/log.ts';
import { createLedgerPool, durabilityProblems, LedgerConfigError, migrateLedger } from './db.ts';
import { LedgerOrders } from './orders.ts';

export { LedgerConfigError } from './db.ts';
export { CursorError, LedgerOrders, toWire, type LedgerOrder, type NewOrder, type OrderPage, type RecordOutcome } from './orders.ts';
export { Batcher } from './batcher.ts';

/** What domains use of the ledger: its pool and its orders. */
export type LedgerHandle = Pick<Ledger, 'pool' | 'orders'>;

/** The ledger's orders on an open pool (the assembly builds one and hands it to every domain that needs it). */
export function ledgerOn(pool: pg.Pool): LedgerHandle {
  return { pool, orders: new LedgerOrders(pool) };
}

/**
 * The money ledger in PostgreSQL, the system of record for orders, payments, refunds and their history
 * (docs/commerce.md, "Ledger"). One per process; it owns its connection pool.
 */
export interface Ledger {
  readonly pool: pg.Pool;
  /**
   * A second, smaller pool on the same database for work that is not money: the recording timeline, search, follows and
   * notices, exports, webhooks. A flood of that work (a chat storm writing the timeline, a burst of searches or CSV
   * exports) waits for its own connections instead of taking the ones orders and payments need: bench:soak's chat
   * flood once made payment ticks time out waiting for a connection. DATABASE_BULK_POOL_SIZE.
   */
  readonly bulkPool: pg.Pool;
  readonly orders: LedgerOrders;
  readonly schema: string;
  /** Idempotent: ends the pool once running queries finish. */
  close(): Promise<void>;
}

/**
 * Connects, migrates and checks durability. Refuses (LedgerConfigError) a server with fsync or synchronous_commit off
 * when `production`; elsewhere it warns, so a developer's tuned laptop still runs.
 */
export async function openLedger(o: {
  url: string;
  schema: string;
  poolSize: number;
  /** The bulk pool's size (2 when absent: a process that does no bulk work never opens its connections). */
  bulkPoolSize?: number;
  production: boolean;
  log: Logger;
}): Promise<Ledger> {
  const log = o.log.child({ module: 'ledger' });
  await migrateLedger({ url: o.url, schema: o.schema, log });
  const pool = createLedgerPool({ url: o.url, schema: o.schema, poolSize: o.poolSize, log });
  try {
    const problems = await durabilityProblems(pool);
    if (problems.length) {
      const msg = `PostgreSQL is not durable (${problems.join(', ')}): acknowledged orders could be lost in a crash; turn these on`;
      if (o.production) throw new LedgerConfigError(`${msg} (refusing to start with NODE_ENV=production)`);
      log.warn(msg);
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  const bulkPool = createLedgerPool({ url: o.url, schema: o.schema, poolSize: o.bulkPoolSize ?? 2, log, name: 'hawker-bulk' });
  let closing: Promise<void> | undefined;
  const end = (p: pg.Pool, what: string) =>
    p.end().catch((err: Error) => log.warn({ err: err.message }, `closing the ${what} pool failed`));
  return {
    pool,
    bulkPool,
    orders: new LedgerOrders(pool),
    schema: o.schema,
    close() {
      closing ??= Promise.all([end(pool, 'ledger'), end(bulkPool, 'bulk')]).then(() => undefined);
      return closing;
    },
  };
}
