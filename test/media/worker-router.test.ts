import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/kernel/log.ts';
import { WorkerPool } from '../../media/workerPool.ts';
import { useTeardown } from '../../harness/teardown.ts';

const log = createLogger('silent');
const t = useTeardown();

/** A pool of real workers, closed after the test. */
const start = async (numWorkers: number, respawn = true) =>
  t.add(await WorkerPool.start({ numWorkers, logLevel: 'warn', listenIp: '127.0.0.1', portBase: 0, respawn, log }));

describe('mediasoup worker pool (real worker binary)', () => {
  it('starts real workers, each with a WebRtcServer, and creates a router offering VP8, H264 and Opus', async () => {
    const pool = await start(2);
    expect(pool.workers).toHaveLength(2);
    for (const w of pool.workers) {
      expect(w.worker.pid).toBeGreaterThan(0);
      const dump = await w.webRtcServer.dump();
      expect(dump.udpSockets.length + dump.tcpServers.length).toBe(2);
    }
    const { router } = await pool.createRouter();
    const mimeTypes = router.rtpCapabilities.codecs!.map((c) => c.mimeType);
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
  });

  it('places routers on the least-loaded worker and forgets closed ones', async () => {
    const pool = await start(2);
    const a = await pool.createRouter();
    const b = await pool.createRouter();
    expect(a.pooled).not.toBe(b.pooled);
    a.router.close();
    expect(a.pooled.routers.size).toBe(0);
    const c = await pool.createRouter();
    expect(c.pooled).toBe(a.pooled);
  });

  it('replaces a worker that dies (SIGKILL) and reports the routers it lost', async () => {
    const pool = await start(1);
    const { router } = await pool.createRouter();
    const victim = pool.workers[0]!.worker;
    const died = new Promise<number>((resolve) => pool.once('workerdied', (_i, routers) => resolve(routers.length)));
    const replaced = new Promise<number>((resolve) => pool.once('workerreplaced', (w) => resolve(w.worker.pid)));
    process.kill(victim.pid, 'SIGKILL');
    expect(await died).toBe(1);
    expect(router.closed).toBe(true);
    expect(pool.health().ok).toBe(false);
    const newPid = await replaced;
    expect(newPid).not.toBe(victim.pid);
    expect(pool.health()).toMatchObject({ ok: true, alive: 1 });
    const again = await pool.createRouter();
    expect(again.router.closed).toBe(false);
  });

  it('close() is idempotent and closes every worker', async () => {
    const pool = await start(2);
    const workers = pool.workers.map((w) => w.worker);
    pool.close();
    pool.close();
    expect(workers.every((w) => w.closed)).toBe(true);
    expect(pool.health().ok).toBe(false);
  });
});
