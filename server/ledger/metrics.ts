import { Gauge, type Registry } from 'prom-client';
import type pg from 'pg';

/**
 * The ledger's PostgreSQL pool at scrape time: connections open and idle, and queries waiting for a connection (above
 * 0 for long: the pool, DATABASE_POOL_SIZE, or the database is the bottleneck).
 */
export function registerLedgerPoolMetrics(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: 'hawker_pg_pool_connections',
    help: 'PostgreSQL pool connections, by state (total open, idle)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({
    name: 'hawker_pg_pool_waiting',
    help: 'Queries waiting for a PostgreSQL pool connection',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
}
