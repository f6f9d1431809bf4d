import pg from 'pg';
import { expect, it } from 'vitest';
import { createLedgerPool } from '../../server/ledger/db.ts';
import type { Logger } from '../../server/kernel/log.ts';
import { testDatabaseUrl } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a checked-out connection whose server dies between two queries is logged, not thrown: the next query fails, the pool goes on', async () => {
  const warnings: string[] = [];
  const log = {
    warn: (_o: unknown, msg: string) => warnings.push(msg),
    info: () => {},
    error: () => {},
    debug: () => {},
  } as unknown as Logger;
  const pool = createLedgerPool({ url: testDatabaseUrl(), schema: 'public', poolSize: 2, log, name: 'hawker-lost-test' });
  t.add(pool, (p) => p.end());
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  t.add(admin, (c) => c.end());

  // Held between queries, as a transaction or a recovery snapshot holds it.
  const client = await pool.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const ended = new Promise((resolve) => client.once('end', resolve));
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  // Without a listener on the checked-out client, pg emits 'error' here and the test process dies (vitest reports
  // an unhandled error and fails the run).
  await ended;
  await expect(client.query('SELECT 1')).rejects.toThrow();
  client.release(true);
  expect(warnings).toContain('PostgreSQL connection lost; its next query fails');
  expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
});
