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

/**
 * Starts one private redis-server (temp dir, free port) for the whole run, and stops it afterwards. It has a maxmemory
 * like every Redis Hawker launches (1 GiB, far above what a run uses): a test that leaks keys in a loop fails with
 * Redis's OOM error instead of swapping the machine. Tests that need a small or changing maxmemory start their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hawker-test-redis-'));
  const redis = await startLocalRedis({ dir, maxmemoryMb: 1_024 });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    // maxRetries: a server that was slow to stop may still be writing its last files (ENOTEMPTY on a busy box).
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
}
