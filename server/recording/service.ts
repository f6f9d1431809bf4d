import path from 'node:path';
import type { Room } from '@hawker/protocol';
import type { MediaService } from '../../media/mediaService.ts';
import type { RoomMedia } from '../../media/roomMedia.ts';
import { consoleChannel, userChannel } from '../kernel/channels.ts';
import type { HawkerContext } from '../kernel/context.ts';
import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import type { RoomStore } from '../rooms/store.ts';
import { MediaQuota } from './quota.ts';
import { Recorder, type RecorderHooks, type RecorderSource } from './recorder.ts';
import { S3Storage } from './s3.ts';
import { LocalDiskStorage, type MediaStorage, type RecordingStorage } from './storage.ts';
import type { RecordingStore } from './store.ts';

/** How often each node looks for recordings whose node died, and how long a recording may go without a heartbeat. */
const SWEEP_EVERY_MS = 30_000;
const STALE_MS = 60_000;

/**
 * This node's recordings (docs/replay.md): a room's recording starts when the room is live, records (its `record`
 * setting, default on) and its creator's video is published on this node; it stops when the room ends. At most
 * RECORDINGS_MAX_CONCURRENT at once per node. Owns its recorders: `close()` stops every one (each marked ready with
 * what it wrote).
 */
export class RecordingService {
  private readonly recorders = new Map<string, Recorder>();
  /** Per-room serialization of start decisions (a producer and the live status can arrive together). */
  private readonly pending = new Map<string, Promise<void>>();
  private storage: RecordingStorage;
  /** The configured media storage (MEDIA_STORAGE): recordings, clips, the retention's deletes. */
  readonly mediaStorage: MediaStorage;
  /** The per-agency media quota (MEDIA_QUOTA_BYTES_PER_AGENCY), shared with clips. */
  readonly quota: MediaQuota;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;
  readonly dir: string;
  private readonly log: Logger;
  /** Seams for tests, given to every recorder started from now on (nothing sets them in production). */
  readonly recorderHooks: RecorderHooks = {};

  constructor(
    private readonly ctx: HawkerContext,
    private readonly media: MediaService,
    private readonly rooms: RoomStore,
    readonly store: RecordingStore,
  ) {
    this.log = ctx.log.child({ module: 'recording' });
    this.dir = path.resolve(ctx.config.RECORDINGS_DIR ?? path.join(ctx.config.dataDir, 'recordings'));
    this.mediaStorage = openMediaStorage(ctx.config, this.dir);
    this.storage = this.mediaStorage;
    this.quota = new MediaQuota(store, ctx.config.MEDIA_QUOTA_BYTES_PER_AGENCY);
    // Recordings of nodes that died stay `recording` until some node sweeps them (any node: the sweep is one UPDATE).
    this.sweeper = setInterval(
      () => void this.sweep().catch((err: Error) => this.log.warn({ err }, 'recording sweep failed')),
      SWEEP_EVERY_MS,
    );
    this.sweeper.unref();
    media.on('room', (room: RoomMedia) => {
      room.on('produceradded', (p) => {
        if (p.kind === 'video' && !p.paused) this.consider(room.roomId);
      });
      // A paused video sends nothing: ffmpeg ends its part after its listen timeout; the resume starts the next.
      room.on('producerstate', (_id, paused) => {
        if (!paused) this.consider(room.roomId);
      });
    });
  }

  /**
   * Where recordings are written and read: the configured media storage unless replaced (tests give a failing fake).
   */
  get files(): RecordingStorage {
    return this.storage;
  }

  /** Replaces the storage for recordings started from now on. */
  useStorage(storage: RecordingStorage): void {
    this.storage = storage;
  }

  /** The recorder of a room on this node, if it records there now. */
  recorder(roomId: string): Recorder | undefined {
    return this.recorders.get(roomId);
  }

  /** The room went live (or a video track appeared): start recording if everything is in place. */
  consider(roomId: string): void {
    if (!this.ctx.config.RECORDING || this.closed) return;
    const prev = this.pending.get(roomId) ?? Promise.resolve();
    const run = prev
      .then(() => this.maybeStart(roomId))
      .catch((err: Error) => this.log.error({ err, roomId }, 'recording could not start; the live goes on'));
    this.pending.set(roomId, run);
    void run.finally(() => {
      if (this.pending.get(roomId) === run) this.pending.delete(roomId);
    });
  }

  /** The room ended: its recording finishes and becomes ready. */
  async stop(roomId: string): Promise<void> {
    await this.pending.get(roomId);
    await this.recorders.get(roomId)?.stop();
  }

  private async maybeStart(roomId: string): Promise<void> {
    if (this.closed) return;
    const source = this.source(roomId);
    if (!source) return;
    const existing = this.recorders.get(roomId);
    if (existing) {
      // The creator's stream stopped and is back (a new producer): the next part of the same recording.
      if (existing.waiting) await existing.record(source);
      return;
    }
    const room = await this.rooms.get(roomId);
    if (room?.status !== 'live' || room.record === false) return;
    const id = newId();
    const row = await this.store.start({ id, roomId, creatorId: room.creatorId, agencyId: room.agencyId, startedAt: Date.now() });
    if (!row) return; // another node records this room
    const max = this.ctx.config.RECORDINGS_MAX_CONCURRENT;
    if (this.recorders.size >= max) {
      const reason = `RECORDINGS_MAX_CONCURRENT: this node already records ${max} lives`;
      await this.store.finish(id, 'failed', { durationMs: 0, bytes: 0, failureReason: reason });
      this.alert(room, id, reason);
      return;
    }
    const log = this.log.child({ roomId, recordingId: id });
    const recorder = new Recorder(
      id,
      roomId,
      path.join(this.dir, '.work', id),
      this.storage,
      this.store,
      this.ctx.config.RECORDING_MAX_BYTES,
      log,
      // A quota check that cannot be made (PostgreSQL unreachable) lets the segment through: the bound is checked
      // again at the next sync, and failing a live's recording for a database blip would lose more than it saves.
      (adding) =>
        this.quota.problem(room, adding).catch((err: Error) => {
          log.warn({ err }, 'media quota not checked; storing the segment');
          return null;
        }),
      this.recorderHooks,
    );
    this.recorders.set(roomId, recorder);
    recorder.once('ended', (status, reason) => {
      if (this.recorders.get(roomId) === recorder) this.recorders.delete(roomId);
      if (status === 'failed') this.alert(room, id, reason ?? 'failed');
      else log.info(recorder.progress, 'recording ready');
    });
    try {
      await recorder.record(source);
      // Offsets count from here until the first segment lands and says when the media's first frame really came
      // (Recorder.placeMediaStart, which can be seconds later on a loaded machine).
      await this.store.db.query('UPDATE recordings SET started_at = clock_timestamp() WHERE id = $1', [id]);
      log.info('recording started');
    } catch (err) {
      await recorder.fail(`could not start: ${(err as Error).message}`);
      throw err;
    }
  }

  /** The creator's video (and audio, if published) on this node's origin router. */
  private source(roomId: string): RecorderSource | undefined {
    const side = this.media.get(roomId)?.serverSide();
    const video = side?.producers.find((p) => p.kind === 'video' && !p.closed && !p.paused);
    if (!side || !video) return undefined;
    return { router: side.router, video, audio: side.producers.find((p) => p.kind === 'audio' && !p.closed) };
  }

  /** A recording stopped early: logged, and pushed to the creator and the agency's consoles. The live goes on. */
  private alert(room: Room, recordingId: string, reason: string): void {
    this.log.error({ roomId: room.id, recordingId, reason }, 'recording stopped early; the live goes on');
    const push = { roomId: room.id, recordingId, reason };
    this.ctx.io.to(userChannel(room.creatorId)).emit('recording:stopped', push);
    if (room.agencyId) this.ctx.io.to(consoleChannel(room.agencyId)).emit('recording:stopped', push);
  }

  /** Ends recordings whose node stopped its heartbeat STALE_MS ago (it died mid-live): ready up to the kill, marked interrupted. */
  async sweep(staleMs = STALE_MS): Promise<string[]> {
    const ids = await this.store.sweepStale(staleMs);
    if (ids.length > 0) this.log.warn({ recordingIds: ids }, 'ended recordings whose node stopped (their stored segments stay playable)');
    return ids;
  }

  /** Stops every recording on this node (each ready with what it wrote). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.pending.values()]);
    await Promise.allSettled([...this.recorders.values()].map((r) => r.stop()));
    if (this.mediaStorage instanceof S3Storage) this.mediaStorage.close();
  }
}

/** The storage MEDIA_STORAGE names: the local disk under `dir`, or the S3-compatible bucket of MEDIA_S3_*. */
export function openMediaStorage(config: HawkerContext['config'], dir: string): MediaStorage {
  if (config.MEDIA_STORAGE === 'local') return new LocalDiskStorage(dir);
  // loadConfig refuses MEDIA_STORAGE=s3 without these; the checks keep the types honest.
  const { MEDIA_S3_BUCKET: bucket, MEDIA_S3_ACCESS_KEY_ID: accessKeyId, MEDIA_S3_SECRET_ACCESS_KEY: secretAccessKey } = config;
  if (!bucket || !accessKeyId || !secretAccessKey) throw new Error('MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET and its credentials');
  return new S3Storage({
    endpoint: config.MEDIA_S3_ENDPOINT,
    region: config.MEDIA_S3_REGION,
    bucket,
    prefix: config.MEDIA_S3_PREFIX,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: config.MEDIA_S3_FORCE_PATH_STYLE,
  });
}
