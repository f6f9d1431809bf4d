import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { createLogger } from '../../server/kernel/log.ts';
import { LedgerConfigError, openLedger } from '../../server/ledger/index.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a production node refuses a PostgreSQL whose commits are not durable; development only warns', async () => {
  // A role whose sessions run with synchronous_commit=off: what a "tuned" managed database can hand Hawker.
  const admin = t.add(new pg.Client({ connectionString: inject('databaseUrl') }), (c) => c.end());
  await admin.connect();
  const role = `nodurable_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.query(`ALTER ROLE ${role} SET synchronous_commit = off`);
  await admin.query(`GRANT CREATE ON DATABASE ${admin.database} TO ${role}`);
  const url = new URL(inject('databaseUrl'));
  url.username = role;
  url.password = password;
  const log = createLogger('silent');

  const refused = openLedger({ url: url.toString(), schema: role, poolSize: 2, production: true, log });
  await expect(refused).rejects.toBeInstanceOf(LedgerConfigError);
  await expect(refused).rejects.toThrow(/synchronous_commit=off.*NODE_ENV=production/);

  const dev = await openLedger({ url: url.toString(), schema: role, poolSize: 2, production: false, log });
  await dev.close();

  // The same server with the settings Hawker needs is accepted in production.
  const ok = await openLedger({ url: inject('databaseUrl'), schema: `ok_${role}`, poolSize: 2, production: true, log });
  await ok.close();
});
