import { once } from 'node:events';
import { Worker } from 'bullmq';
import { it } from 'vitest';
import { closeWorker } from '../../server/kernel/closeWorker.ts';
import { startLocalRedis } from '../../server/kernel/localRedis.ts';
import { createLogger } from '../../server/kernel/log.ts';
import { createRedis } from '../../server/kernel/redis.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

// BullMQ's own close() waits for an `end` event that a reconnecting connection never emits: a node shutting down
// during (or just after) a Redis outage hung for good. Its queue workers must close all the same.
it('a queue worker closes while Redis is down (its connections reconnecting), and again after Redis is back', async () => {
  const log = createLogger('silent');
  const dir = await t.tempDir('hawker-worker-close-');
  let redis = await startLocalRedis({ dir });
  t.defer(() => redis.stop());
  const open = () => {
    const conn = createRedis(redis.url, log, { maxRetriesPerRequest: null });
    t.defer(() => conn.disconnect());
    const worker = new Worker('close-probe', async () => {}, { connection: conn, prefix: 'probe' });
    worker.on('error', () => {}); // connection refusals while Redis is down are expected here
    return { conn, worker };
  };

  const a = open();
  await a.worker.waitUntilReady();
  const b = open();
  await b.worker.waitUntilReady();
  const port = redis.port;
  const reconnecting = once(a.conn, 'reconnecting');
  await redis.stop();
  await reconnecting;
  const aClosed = once(a.worker, 'closed');
  await closeWorker(a.worker, log, 1_000);
  await aClosed;

  // Redis back: the other worker, whose connections went through the outage, closes too.
  redis = await startLocalRedis({ dir, port });
  const bClosed = once(b.worker, 'closed');
  await closeWorker(b.worker, log, 1_000);
  await bClosed;
}, 60_000);
