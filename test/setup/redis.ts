import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../../server/kernel/localRedis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the private redis-server this test run started. Tests isolate themselves with random key prefixes. */
    redisUrl: string;
  }
}

/** Starts one private redis-server (temp dir, free port) for the whole run, and stops it afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hawker-test-redis-'));
  const redis = await startLocalRedis({ dir });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
