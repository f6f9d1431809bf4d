import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRedis, type LocalRedis } from '../../server/infra/localRedis.ts';
import { onCleanup } from './procs.ts';

/** A private redis-server (AOF on, as Hawker runs it) in a temp dir, stopped and removed at the end of the run. */
export async function benchRedis(tag: string): Promise<LocalRedis & { pid: number }> {
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
