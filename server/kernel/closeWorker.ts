import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from './log.ts';

/** Whether `p` settled within `ms` (its rejection counts as settled: the caller only waits, the error is BullMQ's). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** BullMQ keeps its connections on protected fields; these are the ones a stuck close waits on. */
type WorkerInternals = { blockingConnection?: { client?: Promise<Redis> }; connection?: { client?: Promise<Redis> } };

/**
 * Closes a BullMQ worker, and always finishes: running jobs get `graceMs` to complete when Redis is reachable; when
 * it is not (or the graceful close still hangs), the worker is closed without waiting for them.
 *
 * Why: BullMQ's graceful `close()` interrupts its blocking connection and waits for that connection's `end` event,
 * which never comes while the connection sits in ioredis' reconnecting state (taskforcesh/bullmq#4656, #2430). Here a
 * node closed within a couple of seconds of a Redis restart, while its worker's connections were still between two
 * reconnect attempts, and its shutdown hung for good. Not waiting for running jobs is safe for Hawker's jobs: each is
 * idempotent, and one cut short is run again once its lock expires (and with Redis unreachable none could finish).
 */
export async function closeWorker(worker: Worker, log: Logger, graceMs = 10_000): Promise<void> {
  const internals = worker as unknown as WorkerInternals;
  const blocking = await internals.blockingConnection?.client?.catch(() => undefined);
  const reachable = blocking?.status === 'ready';
  const closing = worker.close(!reachable);
  if (await settlesWithin(closing, graceMs)) return closing;
  log.warn({ worker: worker.name, graceMs }, 'the queue worker did not close in time; cutting its Redis connections');
  for (const conn of [blocking, await internals.connection?.client?.catch(() => undefined)]) {
    if (!conn || conn.status === 'end') continue;
    conn.disconnect();
    // A client with no socket (between reconnect attempts) ends without emitting `end`, which BullMQ waits for.
    if ((conn.status as string) !== 'end') conn.emit('end');
  }
  if (await settlesWithin(closing, graceMs)) return closing;
  log.error({ worker: worker.name }, 'the queue worker still did not close; shutting down without it');
}
