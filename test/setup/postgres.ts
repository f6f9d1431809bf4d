import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres } from '../../server/kernel/localPostgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * postgres:// URL of the database this run uses: DATABASE_URL from the environment when set, otherwise a private
     * embedded PostgreSQL started for the run. Tests isolate themselves with their own schemas.
     */
    databaseUrl: string;
  }
}

/**
 * Starts one embedded PostgreSQL (temp dir, free port) for the whole run and stops it afterwards, unless DATABASE_URL
 * is set, in which case tests use that server. The temp dir is under os.tmpdir() (/tmp): when the run is root, the
 * `postgres` user the server runs as can reach it, so the cluster stays inside it and is removed with it.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('databaseUrl', external);
    return undefined;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hawker-test-pg-'));
  const pg = await startLocalPostgres({ dir });
  project.provide('databaseUrl', pg.url);
  return async () => {
    await pg.stop();
    // maxRetries: a server that was slow to stop may still be writing its last files (ENOTEMPTY on a busy box).
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
}
