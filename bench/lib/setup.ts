import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalPostgres } from '../../server/kernel/localPostgres.ts';
import { startLocalRedis, type LocalRedis } from '../../server/kernel/localRedis.ts';
import { onCleanup } from './procs.ts';

let postgres: Promise<string> | undefined;

/**
 * The run's PostgreSQL ledger: DATABASE_URL if set, else a private PostgreSQL 15 in a temp dir, stopped and removed at
 * the end of the run. Sets process.env.DATABASE_URL, which nodes the bench starts (in process or as children) use.
 */
export function benchPostgres(): Promise<string> {
  postgres ??= (async () => {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hawker-bench-pg-'));
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    const pg = await startLocalPostgres({ dir });
    onCleanup(() => pg.stop());
    process.env.DATABASE_URL = pg.url;
    return pg.url;
  })();
  return postgres;
}

/**
 * A private redis-server (AOF on, as Hawker runs it) in a temp dir, stopped and removed at the end of the run; the
 * run's PostgreSQL is started with it (benchPostgres), since every node needs both.
 */
export async function benchRedis(tag: string): Promise<LocalRedis & { pid: number }> {
  await benchPostgres();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hawker-${tag}-`));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const redis = await startLocalRedis({ dir });
  onCleanup(() => redis.stop());
  // Registered after stop(), so it runs first: if the parent is killed mid-run, an exit hook still kills Redis.
  const pid = Number(fs.readFileSync(path.join(dir, 'redis.pid'), 'utf8'));
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  onCleanup(() => {
    process.off('exit', killOnExit);
  });
  return Object.assign(redis, { pid });
}
