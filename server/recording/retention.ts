import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeAll } from '../kernel/closeAll.ts';
import { closeWorker } from '../kernel/closeWorker.ts';
import type { Logger } from '../kernel/log.ts';
import type { MediaStorage } from './storage.ts';
import type { RecordingStore } from './store.ts';

/** BullMQ queue of the repeatable retention job (keys under `<prefix>bull:recording-retention:*`). */
export const RETENTION_QUEUE_NAME = 'recording-retention';
/** Recordings one run expires at most (the next run takes the rest). */
const BATCH = 200;

/** What one retention run did. */
export interface RetentionReport {
  expired: string[];
  filesDeleted: number;
  /** Recordings whose media could not be deleted this time (left for the next run). */
  failed: string[];
}

/**
 * Deletes the media of recordings that ended more than `retentionMs` ago, and nothing else: recordings in progress,
 * younger ones and clips (their own owners in the storage) stay. For each: its files first, then the row is marked
 * expired (its timeline deleted), so a crash in between leaves a row the next run finds again; deleting is idempotent.
 */
export async function expireRecordings(
  store: RecordingStore,
  storage: MediaStorage,
  retentionMs: number,
  log: Logger,
): Promise<RetentionReport> {
  const report: RetentionReport = { expired: [], filesDeleted: 0, failed: [] };
  for (const id of await store.expiring(retentionMs, BATCH)) {
    try {
      report.filesDeleted += await storage.deleteAll(id);
      if (await store.expire(id)) report.expired.push(id);
    } catch (err) {
      report.failed.push(id);
      log.warn({ err, recordingId: id }, 'expired recording not deleted; the next retention run retries');
    }
  }
  return report;
}

/**
 * Runs the retention as a repeatable BullMQ job: one scheduler per deployment whatever the number of nodes (the
 * scheduler id is fixed), one run at a time per worker, every `everyMs`. Closed with closeWorker.
 */
export function startRetention(o: {
  connection: Redis;
  keyPrefix: string;
  store: RecordingStore;
  storage: MediaStorage;
  retentionMs: number;
  everyMs: number;
  log: Logger;
}): { queue: Queue; worker: Worker; close(): Promise<void> } {
  const prefix = `${o.keyPrefix}bull`;
  const queue = new Queue(RETENTION_QUEUE_NAME, { connection: o.connection, prefix });
  const worker = new Worker(
    RETENTION_QUEUE_NAME,
    async () => {
      const report = await expireRecordings(o.store, o.storage, o.retentionMs, o.log);
      if (report.expired.length > 0 || report.failed.length > 0) {
        o.log.info({ expired: report.expired.length, files: report.filesDeleted, failed: report.failed }, 'recording retention run');
      }
      return report;
    },
    { connection: o.connection, prefix, concurrency: 1 },
  );
  worker.on('error', (err) => o.log.error({ err }, 'recording retention worker error'));
  worker.on('failed', (_job, err) => o.log.warn({ err: err.message }, 'recording retention run failed; the next run retries'));
  const scheduled = queue
    .upsertJobScheduler('recording-retention', { every: o.everyMs }, { name: 'expire', opts: { removeOnComplete: 50, removeOnFail: 50 } })
    .catch((err: Error) => o.log.warn({ err: err.message }, 'could not schedule the recording retention; retried at next start'));
  let closing: Promise<void> | undefined;
  return {
    queue,
    worker,
    close() {
      closing ??= closeAll('recording retention', [
        ['scheduling', () => Promise.race([scheduled, new Promise((r) => setTimeout(r, 2_000).unref())])],
        ['worker', () => closeWorker(worker, o.log)],
        ['queue', () => queue.close()],
      ]);
      return closing;
    },
  };
}
