import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '../../server/kernel/localPostgres.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** One short-lived connection: `fn` runs on it, then it is closed whatever happens. */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {}); // a server going away mid-test is reported by the query, not as an unhandled event
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const answers = (url: string) => withClient(url, async (c) => (await c.query('SELECT 1 AS ok')).rows[0]?.ok === 1);

/** Whether a process with this pid exists (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An embedded PostgreSQL of its own (temp dir under /tmp, reachable by the postgres user when the run is root). */
async function ownInstance(dir?: string): Promise<LocalPostgres> {
  const pgDir = dir ?? (await t.tempDir('hawker-pg-durability-'));
  const server = await startLocalPostgres({ dir: pgDir });
  t.defer(() => server.stop());
  return server;
}

it("the run's database forces durability on and stores text as UTF-8 with the C.UTF-8 collation", async () => {
  const settings = await withClient(inject('databaseUrl'), async (c) => {
    const show = async (name: string) => ((await c.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[name];
    const db = await c.query<{ datcollate: string; datctype: string }>(
      'SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()',
    );
    return {
      fsync: await show('fsync'),
      synchronous_commit: await show('synchronous_commit'),
      server_encoding: await show('server_encoding'),
      lc_collate: db.rows[0]?.datcollate,
      lc_ctype: db.rows[0]?.datctype,
    };
  });
  expect(settings).toEqual({ fsync: 'on', synchronous_commit: 'on', server_encoding: 'UTF8', lc_collate: 'C.UTF-8', lc_ctype: 'C.UTF-8' });
});

it('restarts its postmaster on the same URL after it is SIGKILLed, and stop() leaves no process behind', async () => {
  const server = await ownInstance();
  const killed = server.pid;
  expect(killed).toBeGreaterThan(0);
  const restarted = new Promise<{ pid: number }>((resolve) => server.on('restarted', resolve));

  process.kill(killed, 'SIGKILL');
  await waitFor(
    `the embedded PostgreSQL to answer again after SIGKILL of its postmaster (pid ${killed}); see ${server.logFile}`,
    async () => server.pid !== 0 && server.pid !== killed && (await answers(server.url)),
    30_000,
    100,
  );
  const now = server.pid;
  expect((await restarted).pid).toBe(now);
  expect(alive(killed)).toBe(false);

  await server.stop();
  expect(alive(now)).toBe(false);
  expect(server.pid).toBe(0);
});

it('a second start on a directory whose postmaster is still running stops that postmaster and takes over', async () => {
  const dir = await t.tempDir('hawker-pg-stale-');
  const first = await ownInstance(dir);
  const stalePid = first.pid;
  const superseded = new Promise<void>((resolve) => first.on('superseded', () => resolve()));

  // As after a SIGKILLed node: its postmaster still runs on the cluster when the next start comes.
  const second = await ownInstance(dir);
  expect(second.pid).not.toBe(stalePid);
  // Reaped by the first instance's ChildProcess on the next turn of the event loop (a zombie still answers signal 0).
  await waitFor(`the stale postmaster (pid ${stalePid}) to be gone`, () => !alive(stalePid), 5_000);
  expect(await answers(second.url)).toBe(true);
  expect(second.url).toBe(first.url); // the freed port is reused, so the URL is stable
  await superseded; // the first instance saw the takeover and does not fight for the cluster

  await first.stop();
  expect(await answers(second.url)).toBe(true);
});
