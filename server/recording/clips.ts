import path from 'node:path';
import type { Clip, CreateClipBody, Principal, Product } from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import type { HawkerContext } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import { CUT_STALLED, type CutHooks, cutClip, storedSegments } from './clipCutter.ts';
import type { ClipRow, ClipStore } from './clipStore.ts';
import type { RecordingService } from './service.ts';
import type { RecordingStorage } from './storage.ts';

/** How often each node fails clips whose cut was left `cutting` by a node that died, and after how long. */
const STALE_EVERY_MS = 60_000;
const STALE_MS = 10 * 60_000;
/** A deleted clip's files whose delete failed are retried by the sweep once this long after the last attempt. */
const FILE_RETRY_MS = 30_000;
/** Deleted clips' files one sweep deletes at most (the next sweep takes the rest). */
const FILE_BATCH = 100;

/** What clips need from the other domains: a room's product as it sells now, and a creator's live room. */
export interface ClipDeps {
  product(roomId: string, productId: string): Promise<Product | null>;
  liveRoomOf(creatorId: string): Promise<string | null>;
}

/**
 * Clips (issue 18, docs/replay.md, "Clips"): checks a cut against the recording, the roles and the limits before
 * anything is written, then cuts it in this node's bounded line (CLIP_CUTS_CONCURRENT at once, CLIP_CUTS_QUEUED
 * waiting). Owns its cuts: `close()` waits for the running ones and fails the waiting ones.
 */
export class ClipService {
  private running = 0;
  /** Clips between the line's check and their cut's start (their row being written). */
  private reserved = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly cuts = new Set<Promise<void>>();
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;
  private readonly log: Logger;
  /** Seams for tests, given to every cut started from now on (nothing sets them in production). */
  readonly cutHooks: CutHooks = {};
  /** Told after a clip is published or deleted (the search index, issue 19); they must not throw. */
  readonly changeListeners: ((clipId: string) => void)[] = [];

  constructor(
    private readonly ctx: HawkerContext,
    private readonly recording: RecordingService,
    readonly store: ClipStore,
    private readonly deps: ClipDeps,
  ) {
    this.log = ctx.log.child({ module: 'clips' });
    // Clips' files count against the same per-agency media quota as recordings.
    recording.quota.addSource((owner) => store.storedBytes(owner));
    this.sweeper = setInterval(() => {
      void this.store
        .failStale(STALE_MS)
        .then((ids) => ids.length && this.log.warn({ clipIds: ids }, 'failed clips whose cutting node stopped'))
        .catch((err: Error) => this.log.warn({ err }, 'clip sweep failed'));
      void this.purgeDeletedFiles().catch((err: Error) => this.log.warn({ err }, "deleted clips' files sweep failed"));
    }, STALE_EVERY_MS);
    this.sweeper.unref();
  }

  /** Cuts a clip: 202 with it `cutting`; every refusal is typed and changes nothing. */
  async create(p: Principal, body: CreateClipBody): Promise<ClipRow> {
    const config = this.ctx.config;
    const rec = await this.recording.store.get(body.recordingId);
    if (!rec) throw AppError.notFound(`Recording ${body.recordingId}`);
    if (!policy.canClipRoom(p, rec)) throw AppError.forbidden("Only the room's creator and its agency's owner cut its clips");
    if (rec.status === 'failed') throw AppError.conflict(`Recording ${rec.id} failed; cut clips from a ready or live recording`);
    const playlist = await this.recording.files.read(rec.id, 'index.m3u8');
    const { totalMs } = storedSegments(playlist?.toString('utf8') ?? '');
    if (totalMs === 0) throw AppError.conflict(`Recording ${rec.id} has nothing stored yet`);
    const startMs = body.lastMs !== undefined ? Math.max(0, totalMs - body.lastMs) : (body.startMs ?? 0);
    const endMs = body.lastMs !== undefined ? totalMs : (body.endMs ?? 0);
    if (endMs > totalMs)
      throw AppError.badRequest(`The range ends at ${endMs} ms, outside the recording: ${totalMs} ms are stored`, { recordingMs: totalMs });
    if (endMs - startMs > config.CLIP_MAX_MS)
      throw AppError.badRequest(`A clip is at most ${config.CLIP_MAX_MS} ms long (CLIP_MAX_MS)`, {
        limit: 'CLIP_MAX_MS',
        max: config.CLIP_MAX_MS,
      });
    if (endMs - startMs < 1_000) throw AppError.badRequest('A clip is at least 1000 ms long');
    for (const productId of body.productIds) {
      if (!(await this.deps.product(rec.roomId, productId))) throw AppError.notFound(`Product ${productId} in room ${rec.roomId}`);
    }
    if (this.closed) throw AppError.unavailable('This node is stopping; retry');
    // The agency's stored media (recordings and clips) at MEDIA_QUOTA_BYTES_PER_AGENCY: QUOTA_EXCEEDED naming it.
    await this.recording.quota.check(rec);
    // Cuts being written count as waiting: the line is bounded even when many arrive at once.
    if (this.running + this.reserved >= config.CLIP_CUTS_CONCURRENT && this.waiting.length + this.reserved >= config.CLIP_CUTS_QUEUED)
      throw AppError.rateLimited(5_000, `${config.CLIP_CUTS_QUEUED} clips already wait to be cut on this node; retry shortly`, {
        name: 'CLIP_CUTS_QUEUED',
        max: config.CLIP_CUTS_QUEUED,
      });
    this.reserved++;
    let row: ClipRow;
    try {
      row = await this.store.insert(
        {
          id: newId(),
          recordingId: rec.id,
          roomId: rec.roomId,
          creatorId: rec.creatorId,
          agencyId: rec.agencyId,
          title: body.title,
          startMs,
          endMs,
          productIds: body.productIds,
        },
        { perCreator: config.CLIPS_PER_CREATOR, perAgency: config.CLIPS_PER_AGENCY },
      );
    } finally {
      this.reserved--;
    }
    const cut = this.cut(row).finally(() => this.cuts.delete(cut));
    this.cuts.add(cut);
    return row;
  }

  /** Waits for a place in the line, cuts, and records the outcome (a failure is the clip's, never thrown). */
  private async cut(row: ClipRow): Promise<void> {
    const log = this.log.child({ clipId: row.id, recordingId: row.recordingId });
    try {
      await this.slot();
      try {
        if (this.closed) throw new Error('the node stopped before the cut began');
        const done = await cutClip(this.recording.files, {
          recordingId: row.recordingId,
          clipId: row.id,
          startMs: row.startMs,
          endMs: row.endMs,
          workDir: path.join(this.recording.dir, '.work', `clip-${row.id}`),
          stallMs: this.ctx.config.CLIP_CUT_STALL_MS,
          hooks: this.cutHooks,
        });
        await this.store.finish(row.id, { status: 'ready', durationMs: done.durationMs, bytes: done.bytes });
        log.info(done, 'clip ready');
      } finally {
        this.release();
      }
    } catch (err) {
      log.error({ err }, 'clip cut failed');
      await this.store
        // A stalled cut's reason starts with the setting that stopped it (CUT_STALLED), which the pages translate.
        .finish(row.id, { status: 'failed', reason: failureReason(err as Error) })
        .catch((e: Error) => log.error({ err: e }, 'clip failure not recorded; the sweep fails it later'));
    }
  }

  /** Where clips' files are: the recordings' storage, under each clip's own id. */
  get files(): RecordingStorage {
    return this.recording.files;
  }

  /** Takes a cutting place, waiting in line for one if all CLIP_CUTS_CONCURRENT are taken. */
  private async slot(): Promise<void> {
    if (this.running < this.ctx.config.CLIP_CUTS_CONCURRENT) {
      this.running++;
      return;
    }
    // release() hands its place over (running unchanged), so a new cut cannot slip in between.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** A clip its caller may see (published, or theirs to manage), else the typed refusal. */
  async visible(p: Principal, id: string): Promise<ClipRow> {
    const row = await this.store.get(id);
    if (!row) throw AppError.notFound(`Clip ${id}`);
    if (!policy.canWatchClip(p, row, row.publishedAt !== null))
      throw AppError.forbidden("This clip is a draft; only its room's staff see it");
    return row;
  }

  /** A clip its caller may manage, else the typed refusal. */
  async managed(p: Principal, id: string): Promise<ClipRow> {
    const row = await this.visible(p, id);
    if (!policy.canClipRoom(p, row)) throw AppError.forbidden("Only the room's creator and its agency's owner manage its clips");
    return row;
  }

  async publish(p: Principal, id: string): Promise<ClipRow> {
    const row = await this.managed(p, id);
    const published = await this.store.publish(row.id);
    if (!published) throw AppError.conflict(`Clip ${id} is ${row.status}; only a ready clip is published`);
    for (const l of this.changeListeners) l(id);
    return published;
  }

  /**
   * Deletes a clip: its row goes (its places in the clip quotas and its bytes in the media quota are freed) with a
   * durable note that its files are to go, then its files are deleted from the media storage (docs/replay.md,
   * "Deleting a clip"). A storage failure is logged and left to the sweep (`purgeDeletedFiles`): the clip stays deleted.
   */
  async remove(p: Principal, id: string): Promise<void> {
    const row = await this.managed(p, id);
    if (row.status === 'cutting') throw AppError.conflict(`Clip ${id} is being cut; delete it once it is ready or failed`);
    if (!(await this.store.remove(row.id))) return;
    for (const l of this.changeListeners) l(id);
    await this.deleteFiles(row.id);
  }

  /** Deletes one deleted clip's files; true when they are gone. A failure is recorded for the sweep, never thrown. */
  private async deleteFiles(clipId: string): Promise<boolean> {
    try {
      const files = await this.recording.mediaStorage.deleteAll(clipId);
      await this.store.fileDeletionDone(clipId);
      this.log.info({ clipId, files }, "deleted clip's files removed from the storage");
      return true;
    } catch (err) {
      this.log.warn({ err, clipId }, "deleted clip's files not removed; the clip sweep retries");
      await this.store
        .fileDeletionFailed(clipId, (err as Error).message)
        .catch((e: Error) => this.log.warn({ err: e, clipId }, 'clip file deletion failure not recorded'));
      return false;
    }
  }

  /**
   * Deletes the files of deleted clips whose earlier delete failed (or whose node stopped before it ran), those last
   * tried at least `idleMs` ago. Run by every node's clip sweep; deleting is idempotent, so two nodes may both try.
   * Returns the clips whose files are now gone.
   */
  async purgeDeletedFiles(idleMs = FILE_RETRY_MS): Promise<string[]> {
    const done: string[] = [];
    for (const id of await this.store.pendingFileDeletions(idleMs, FILE_BATCH)) {
      if (this.closed) break;
      if (await this.deleteFiles(id)) done.push(id);
    }
    return done;
  }

  /** The wire form: the attached products as sold now, and the creator's live room (asked once per creator per call). */
  async toWire(rows: readonly ClipRow[]): Promise<Clip[]> {
    const lives = new Map<string, Promise<string | null>>();
    const live = (creatorId: string) => {
      let v = lives.get(creatorId);
      if (!v) lives.set(creatorId, (v = this.deps.liveRoomOf(creatorId)));
      return v;
    };
    return Promise.all(
      rows.map(async (r) => {
        const products = await Promise.all(r.productIds.map((id) => this.deps.product(r.roomId, id)));
        return {
          id: r.id,
          recordingId: r.recordingId,
          roomId: r.roomId,
          creatorId: r.creatorId,
          agencyId: r.agencyId,
          title: r.title,
          startMs: r.startMs,
          endMs: r.endMs,
          durationMs: r.durationMs,
          status: r.status,
          failureReason: r.failureReason,
          productIds: r.productIds,
          publishedAt: r.publishedAt,
          createdAt: r.createdAt,
          playlistUrl: `/api/clips/${r.id}/files/index.m3u8`,
          products: products.filter((x): x is Product => x !== null),
          liveRoomId: await live(r.creatorId),
        };
      }),
    );
  }

  /** Stops taking cuts, fails the waiting ones, waits for the running ones. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    // Each waiting cut gets a place, sees `closed` and fails its clip.
    for (const wake of this.waiting.splice(0)) {
      this.running++;
      wake();
    }
    await Promise.allSettled([...this.cuts]);
  }
}

/** A failed cut's `failureReason`: a typed one (CUT_STALLED: ...) as it is, any other after "cut failed:". */
function failureReason(err: Error): string {
  return err.message.startsWith(CUT_STALLED) ? err.message : `cut failed: ${err.message}`;
}
