import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../kernel/log.ts';

/** The versioned SQL migrations (node-pg-migrate's `.sql` form: `-- Up Migration` / `-- Down Migration`). */
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Table that records which migrations ran, inside the deployment's schema. */
const MIGRATIONS_TABLE = 'hawker_migrations';

// int8 (bigint: amounts, counts) as JS numbers: amounts are minor units far below 2^53, and every caller does math.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Thrown when the database is reachable but unfit to hold money (durability off). */
export class LedgerConfigError extends Error {
  override readonly name = 'LedgerConfigError';
}

export interface LedgerDbOptions {
  url: string;
  schema: string;
  poolSize: number;
  log: Logger;
  /** PostgreSQL's application_name for the pool's connections (pg_stat_activity); 'hawker' when absent. */
  name?: string;
}

/**
 * Opens the ledger's connection pool, every connection scoped to `schema` (search_path), so deployments and test runs
 * sharing one database never see each other's rows. Connection errors of idle clients are logged, never thrown: the
 * pool reconnects by itself and each query reports its own failure.
 */
export function createLedgerPool(o: LedgerDbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize,
    // A query that cannot get a connection within this long fails (answered UNAVAILABLE) instead of queuing forever
    // while PostgreSQL is down.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Bounded statements: a stuck query fails and the caller decides (nothing is acknowledged on a failed write).
    statement_timeout: 15_000,
    options: `-c search_path=${o.schema}`,
    application_name: o.name ?? 'hawker',
  });
  pool.on('error', (err) => o.log.warn({ err: err.message }, 'idle PostgreSQL connection failed; the pool reconnects'));
  // pg-pool listens for errors only on idle clients. A client checked out with pool.connect() (a transaction, a
  // recovery snapshot) whose server dies between two queries emits 'error' with no listener, which would crash the
  // process. Every client gets its own listener for its whole life; the caller's next query rejects on its own.
  pool.on('connect', (client) => {
    client.on('error', (err) => o.log.warn({ err: err.message }, 'PostgreSQL connection lost; its next query fails'));
  });
  return pool;
}

/**
 * Applies pending migrations in `schema` (created if missing). node-pg-migrate holds an advisory lock meanwhile, so
 * nodes starting together migrate once; the others wait for it.
 */
export async function migrateLedger(o: { url: string; schema: string; log: Logger }): Promise<string[]> {
  const client = new pg.Client({ connectionString: o.url, application_name: 'hawker-migrate' });
  await client.connect();
  try {
    const ran = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      schema: o.schema,
      createSchema: true,
      direction: 'up',
      checkOrder: true,
      advisoryLockMode: 'wait',
      singleTransaction: true,
      log: () => {},
      logger: { debug: () => {}, info: () => {}, warn: (m: string) => o.log.warn(m), error: (m: string) => o.log.error(m) },
    });
    if (ran.length) o.log.info({ schema: o.schema, migrations: ran.map((m) => m.name) }, 'ledger migrations applied');
    return ran.map((m) => m.name);
  } finally {
    await client.end();
  }
}

/**
 * Durability is not negotiable: money acknowledged to a buyer must survive a power cut. Returns the settings that are
 * off; in production the node refuses to start when any is.
 */
export async function durabilityProblems(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ fsync: string; synchronous_commit: string; full_page_writes: string }>(
    `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit,
            current_setting('full_page_writes') AS full_page_writes`,
  );
  const r = rows[0]!;
  const problems: string[] = [];
  if (r.fsync !== 'on') problems.push(`fsync=${r.fsync}`);
  if (r.synchronous_commit === 'off' || r.synchronous_commit === 'local') problems.push(`synchronous_commit=${r.synchronous_commit}`);
  if (r.full_page_writes !== 'on') problems.push(`full_page_writes=${r.full_page_writes}`);
  return problems;
}

/** What {@link countStatements} saw: every statement sent through the pool since it started (or since `reset`). */
export interface StatementCount {
  /** Statements sent (each `pool.query` is one round trip to PostgreSQL). */
  readonly count: number;
  /** Their SQL text, first line trimmed, in the order sent (what a failing count prints). */
  readonly texts: readonly string[];
  reset(): void;
  /** Puts the pool's own `query` back. */
  stop(): void;
}

/**
 * Counts the statements sent through `pool.query`, the way every ledger method talks to PostgreSQL (one call, one
 * round trip). For tests and benchmarks that pin how many round trips a path costs (test/payments/statements-per-order),
 * so a saving cannot silently regress. Statements of a checked-out client (`pool.connect`, transactions) are not
 * counted: the order path uses none.
 */
export function countStatements(pool: pg.Pool): StatementCount {
  const texts: string[] = [];
  const original = pool.query;
  const wrapped = function (this: pg.Pool, ...args: unknown[]) {
    const q = args[0];
    const text = typeof q === 'string' ? q : ((q as { text?: string } | undefined)?.text ?? '');
    texts.push(text.replace(/\s+/g, ' ').trim().slice(0, 160));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pool.query = wrapped as typeof pool.query;
  return {
    get count() {
      return texts.length;
    },
    texts,
    reset: () => {
      texts.length = 0;
    },
    stop: () => {
      pool.query = original;
    },
  };
}
