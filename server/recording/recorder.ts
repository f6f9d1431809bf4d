import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from '../kernel/log.ts';
import {
  ffmpegArgs,
  freeUdpPort,
  parsePlaylist,
  type PlaylistSegment,
  SEGMENT_S,
  sdpFor,
  spawnFfmpeg,
  udpPortsBound,
  type SdpTrack,
  type VideoRoute,
  videoRouteFor,
} from './ffmpeg.ts';
import type { RecordingStorage } from './storage.ts';
import type { RecordingStore } from './store.ts';

/** How long ffmpeg gets to bind its ports, and to finish its last segment when asked to stop. */
const FFMPEG_START_MS = 10_000;
const FFMPEG_STOP_MS = 5_000;
/** A stop waits this long for packets to wake ffmpeg's read before interrupting it (see Part.close). */
const FFMPEG_SECOND_SIGINT_MS = 2_500;
/** Safety net under fs.watch (which can miss a rename on some filesystems): the work directory is synced this often. */
const SYNC_EVERY_MS = 1_000;
/** The first segments whose end times bound the media's first frame (see Recorder.placeMediaStart), seconds of media. */
const PLACE_WITHIN_S = 20;
/** A better bound on the first frame moves the timeline only when it is at least this much earlier, ms. */
const PLACE_STEP_MS = 50;
/** Sync ticks between heartbeats (`recordings.updated_at`); RecordingService sweeps rows silent for much longer. */
const HEARTBEAT_TICKS = 10;

export interface RecorderEvents {
  /** The recording ended: `ready`, or `failed` with why (storage, disk bound, ffmpeg). */
  ended: [status: 'ready' | 'failed', reason: string | undefined];
}

/** Seams for tests (nothing sets them in production). */
export interface RecorderHooks {
  /**
   * Holds each part's media until it resolves, after ffmpeg listens and after the recording counts as started: what
   * a loaded machine does when ffmpeg's first frame lands seconds after the recorder started.
   */
  holdMedia?: () => Promise<void>;
}

/** What a recording records from: the room's origin router and the creator's producers on it. */
export interface RecorderSource {
  router: types.Router;
  video: types.Producer;
  audio: types.Producer | undefined;
}

/**
 * One part of a recording: PlainTransports and paused consumers on the origin router feeding one ffmpeg. It ends when
 * the creator's video producer closes (the stream really stopped) or when the recording stops. Owns its transports
 * (closing one closes its consumer) and its ffmpeg; `close()` is idempotent.
 */
class Part {
  readonly transports: types.PlainTransport[] = [];
  readonly consumers: types.Consumer[] = [];
  ffmpeg: ChildProcess | undefined;
  exited: Promise<number | null> = Promise.resolve(null);
  private keyframes: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  stderr = '';
  /** How this part's ffmpeg takes the video (copied: H.264 remux, or re-encoded) and its codec; set when it starts. */
  videoRoute: VideoRoute | undefined;
  videoCodec: string | undefined;

  constructor(
    readonly source: RecorderSource,
    private readonly log: Logger,
    private readonly hooks: RecorderHooks = {},
  ) {}

  /** Consumes, starts ffmpeg, waits until it listens, then resumes the consumers (so the first packets are not lost). */
  async start(workDir: string, append: boolean): Promise<void> {
    const { router, video, audio } = this.source;
    const tracks: SdpTrack[] = [];
    for (const producer of [video, audio]) {
      if (!producer || producer.closed) continue;
      const port = await freeUdpPort();
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
        appData: { recording: true },
      });
      this.transports.push(transport);
      await transport.connect({ ip: '127.0.0.1', port });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
      this.consumers.push(consumer);
      tracks.push({ kind: producer.kind, port, rtpParameters: consumer.rtpParameters });
    }
    if (!tracks.some((t) => t.kind === 'video')) throw new Error('The video track closed before the recording started');
    const sdpFile = path.join(workDir, 'input.sdp');
    await fsp.writeFile(sdpFile, sdpFor(tracks));
    const videoCodec = tracks.find((t) => t.kind === 'video')?.rtpParameters.codecs[0]?.mimeType ?? '';
    const route = videoRouteFor(videoCodec);
    this.videoRoute = route;
    this.videoCodec = videoCodec;
    this.log.info({ videoCodec, route }, 'recording part starts');
    const ffmpeg = spawnFfmpeg(ffmpegArgs({ sdpFile, workDir, audio: tracks.some((t) => t.kind === 'audio'), append, video: route }));
    this.ffmpeg = ffmpeg;
    this.exited = new Promise((resolve) => ffmpeg.once('exit', (code) => resolve(code)));
    ffmpeg.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    const ports = tracks.map((t) => t.port);
    const deadline = Date.now() + FFMPEG_START_MS;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    // ffmpeg says nothing when its sockets are bound: watch the ports appear in /proc/net/udp instead.
    while (!(await udpPortsBound(ports))) {
      if (exited) throw new Error(`ffmpeg exited before listening: ${this.stderr.trim() || 'no output'}`);
      if (Date.now() > deadline) throw new Error('ffmpeg did not open its RTP ports in time');
      await new Promise((r) => setTimeout(r, 25));
    }
    const hold = this.hooks.holdMedia;
    if (!hold) return this.flow();
    void hold()
      .then(() => (this.closing ? undefined : this.flow()))
      .catch((err: Error) => this.log.warn({ err }, 'held recording media did not start'));
  }

  /** When the consumers were first asked to resume: no media of this part can be older (a floor for its first frame). */
  flowingAt: number | undefined;

  /** Lets the media flow to ffmpeg (the consumers resume) and keeps asking the creator for keyframes. */
  private async flow(): Promise<void> {
    this.flowingAt ??= Date.now();
    for (const c of this.consumers) await c.resume();
    // Segments start on keyframes: libx264 forces one every SEGMENT_S, and asking the creator's encoder for one at the
    // same interval keeps the decoder's input clean (the router coalesces these with viewers' requests).
    const ask = () => {
      for (const c of this.consumers) if (c.kind === 'video' && !c.closed) c.requestKeyFrame().catch(() => {});
    };
    ask();
    this.keyframes = setInterval(ask, SEGMENT_S * 1000);
    this.keyframes.unref();
  }

  /** Stops ffmpeg (SIGINT: it finishes its segment and writes #EXT-X-ENDLIST; SIGKILL past FFMPEG_STOP_MS), then the transports. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.keyframes);
      const ffmpeg = this.ffmpeg;
      if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
        const t0 = Date.now();
        // One SIGINT: ffmpeg finishes its segment and writes #EXT-X-ENDLIST, but only once its blocked RTP read
        // returns, which takes its socket timeout (about 10 s) when no packet comes (the track closed or paused). A
        // second SIGINT interrupts that read, and with it any write in progress: the segment in progress may be lost,
        // never a stored one (the sync only ever stores complete files, and keeps the last complete playlist).
        ffmpeg.kill('SIGINT');
        const again = setTimeout(() => ffmpeg.kill('SIGINT'), FFMPEG_SECOND_SIGINT_MS);
        const killer = setTimeout(() => {
          this.log.warn({ stderr: this.stderr.slice(-500) }, 'ffmpeg did not stop in time; killed');
          ffmpeg.kill('SIGKILL');
        }, FFMPEG_STOP_MS);
        await this.exited;
        clearTimeout(again);
        clearTimeout(killer);
        this.log.debug({ ms: Date.now() - t0 }, 'ffmpeg stopped');
      }
      for (const t of this.transports) t.close();
    })();
    return this.closing;
  }
}

/**
 * One recording of one live (docs/replay.md): parts (one ffmpeg each; a new part after the creator's stream really
 * stopped and came back, marked as a gap), the node-local work directory ffmpeg writes into, and the sync that copies
 * each finished segment, then the playlist, to the storage. Lifecycle: `stop()` (the live ended: `ready`) or `fail()`
 * (`failed`, with an alert); both idempotent, both cascade to the part, the watcher and the timers.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  private part: Part | undefined;
  private parts = 0;
  private readonly uploaded = new Set<string>();
  private bytes = 0;
  private durationMs = 0;
  private syncing: Promise<void> = Promise.resolve();
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private gapSince: number | undefined;
  /** The last part's close, when its video closed before the recording ended. */
  private partClosed: Promise<void> = Promise.resolve();
  private ending: Promise<void> | undefined;
  private failure: string | undefined;
  /** The recording's first part (its media's start is the recording's). */
  private firstPart: Part | undefined;
  /** The media's first frame as placed so far (store.mediaStarted), wall-clock ms; it only ever moves earlier. */
  private mediaStart: number | undefined;
  /**
   * How the latest part records the creator's video (docs/replay.md, "The codec route"): `copy` (H.264 remuxed, ffmpeg
   * `-c:v copy`) or `transcode` (libx264); undefined before the first part started.
   */
  videoRoute: VideoRoute | undefined;
  /** The creator's video codec the latest part records (`video/H264`, `video/VP8`). */
  videoCodec: string | undefined;

  constructor(
    readonly id: string,
    readonly roomId: string,
    private readonly workDir: string,
    private readonly storage: RecordingStorage,
    private readonly store: RecordingStore,
    private readonly maxBytes: number,
    private readonly log: Logger,
    /** Why storing `adding` more bytes is refused (the agency's media quota), or null; asked before each sync's writes. */
    private readonly quota?: (adding: number) => Promise<string | null>,
    private readonly hooks: RecorderHooks = {},
  ) {
    super();
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Whether the recording waits for the creator's video (no part running). */
  get waiting(): boolean {
    return this.part === undefined && !this.ended;
  }

  /** Media synced to the storage so far. */
  get progress(): { durationMs: number; bytes: number; segments: number } {
    return { durationMs: this.durationMs, bytes: this.bytes, segments: this.uploaded.size };
  }

  /** Records `source` (the first part, or the next one after a gap). */
  async record(source: RecorderSource): Promise<void> {
    if (this.ended || this.part) return;
    await fsp.mkdir(this.workDir, { recursive: true });
    const part = new Part(source, this.log, this.hooks);
    this.part = part;
    const append = this.parts > 0;
    this.parts += 1;
    this.firstPart ??= part;
    try {
      // One ffmpeg writes the playlist at a time: the part before must have exited (its last segment and playlist
      // written) before the next one reads that playlist to append to it. Two at once could each rewrite it.
      await this.partClosed;
      if (this.ended) throw new Error('the recording ended before its next part started');
      await part.start(this.workDir, append);
      this.videoRoute = part.videoRoute;
      this.videoCodec = part.videoCodec;
    } catch (err) {
      await part.close();
      if (this.part === part) this.part = undefined;
      throw err;
    }
    if (this.gapSince !== undefined) {
      // The timeline marks where the stream stopped; later moments shift back by the gap (the recording has no media
      // for it).
      const since = this.gapSince;
      const gapMs = Date.now() - since;
      this.gapSince = undefined;
      await this.store
        .appendEvents(this.roomId, [{ at: since, kind: 'gap', productId: null, data: { gapMs } }])
        .then(() => this.store.addGap(this.id, gapMs))
        .catch((err: Error) => this.log.warn({ err }, 'recording gap not stored'));
    }
    // The video closing (the stream really stopped, not a reconnect within the grace: held producers live on) ends
    // this part; a later producer starts the next one after a gap.
    source.video.observer.once('close', () => this.endPart(part, 'the video track closed'));
    part.ffmpeg?.once('exit', (code) => {
      if (this.part !== part || this.ended) return;
      if (code === 0) {
        // No packet for ffmpeg's listen timeout (10 s): the creator paused the video, or the node lost its media.
        // ffmpeg ended the part cleanly; the video's next resume starts the next one, after a gap.
        this.endPart(part, 'ffmpeg got no packet for its listen timeout');
        return;
      }
      void this.fail(`ffmpeg exited unexpectedly (code ${code}): ${part.stderr.trim().slice(-300)}`);
    });
    if (!this.watcher) {
      try {
        this.watcher = fs.watch(this.workDir, () => void this.sync());
        this.watcher.on('error', () => {});
      } catch (err) {
        this.log.warn({ err }, 'cannot watch the recording directory; syncing on the timer only');
      }
      let ticks = 0;
      this.timer = setInterval(() => {
        void this.sync();
        // The heartbeat that tells other nodes this one still records (RecordingService's sweep), also in a gap.
        if (++ticks % HEARTBEAT_TICKS === 0) this.store.touch(this.id).catch(() => {});
      }, SYNC_EVERY_MS);
      this.timer.unref();
    }
  }

  /** The part's media stopped: it ends (its last segment synced) and the recording waits for the next one. */
  private endPart(part: Part, why: string): void {
    if (this.part !== part) return;
    this.log.info({ why, recordingId: this.id }, 'recording part ended; the next video starts the next part');
    this.part = undefined;
    this.gapSince = Date.now();
    this.partClosed = part.close().then(() => this.sync());
  }

  /** The live ended: finish the segment in progress, sync, and mark the recording ready. */
  stop(): Promise<void> {
    return this.end(undefined);
  }

  /** Stops the recording as failed (`reason` in the row and the alert); the live goes on. */
  fail(reason: string): Promise<void> {
    return this.end(reason);
  }

  private end(reason: string | undefined): Promise<void> {
    this.ending ??= (async () => {
      this.failure ??= reason;
      clearInterval(this.timer);
      this.watcher?.close();
      const part = this.part;
      this.part = undefined;
      await part?.close();
      await this.partClosed;
      if (!this.failure) await this.sync(true);
      else await this.syncing;
      const status = this.failure ? 'failed' : 'ready';
      await this.store
        .finish(this.id, status, { durationMs: this.durationMs, bytes: this.bytes, failureReason: this.failure })
        .catch((err: Error) => this.log.error({ err }, 'recording end not stored'));
      await fsp.rm(this.workDir, { recursive: true, force: true }).catch(() => {});
      this.emit('ended', status, this.failure);
    })();
    return this.ending;
  }

  /**
   * Copies the segments the playlist lists that the storage lacks, then the playlist itself (so the stored playlist
   * only ever names stored segments). Serialized; a storage failure fails the recording.
   */
  private sync(final = false): Promise<void> {
    const run = this.syncing.then(() => this.syncOnce(final));
    this.syncing = run.catch(() => {});
    return this.syncing;
  }

  /**
   * When did the media's first frame happen? ffmpeg closes a segment (its file's mtime) at its end, so `mtime - (the
   * durations up to its end)` is the first frame's wall-clock time, late only by how far ffmpeg lagged behind the live
   * when it closed that segment. ffmpeg lags most while it starts (probing, encoder set-up) and then catches up, so
   * every segment of the first PLACE_WITHIN_S gives a bound and the smallest so far is kept: the base moves earlier
   * (never later) as better bounds come. The timeline's offsets count from it (store.mediaStarted), so markers land
   * on the media even when ffmpeg's first frame came seconds after the recorder started. Only for the first part (a
   * later part's media follows a gap). Runs before the playlist naming these segments is stored, so whoever sees them
   * sees the offsets they go with; a failure keeps the base as it was.
   */
  private async placeMediaStart(segments: readonly PlaylistSegment[], fresh: readonly PlaylistSegment[]): Promise<void> {
    const isFresh = new Set(fresh.map((s) => s.name));
    let endS = 0;
    let best = Number.POSITIVE_INFINITY;
    for (const s of segments) {
      const startS = endS;
      endS += s.durationS;
      if (startS >= PLACE_WITHIN_S) break;
      if (!isFresh.has(s.name)) continue;
      const stat = await fsp.stat(path.join(this.workDir, s.name)).catch(() => null);
      if (stat) best = Math.min(best, stat.mtimeMs - endS * 1000);
    }
    // A creator's encoder that stalled and then sent a burst makes media outrun the wall clock, which would put the
    // bound too early: never before the consumers resumed, when no frame had reached ffmpeg yet.
    const floor = this.firstPart?.flowingAt;
    if (floor !== undefined) best = Math.max(best, floor);
    // A bound less than PLACE_STEP_MS better is not worth rewriting the timeline for.
    if (!Number.isFinite(best) || (this.mediaStart !== undefined && best > this.mediaStart - PLACE_STEP_MS)) return;
    try {
      const shift = await this.store.mediaStarted(this.id, best);
      this.mediaStart = best;
      this.log.info({ recordingId: this.id, shiftMs: shift }, 'recording timeline counts from the first frame');
    } catch (err) {
      this.log.warn({ err, recordingId: this.id }, "the media's first frame was not placed; offsets keep their base");
    }
  }

  private async syncOnce(final: boolean): Promise<void> {
    if (this.failure || (this.ending && !final)) return;
    const text = await fsp.readFile(path.join(this.workDir, 'index.m3u8'), 'utf8').catch(() => null);
    if (text === null) return;
    const { segments, ended } = parsePlaylist(text);
    // A playlist caught mid-rewrite, or cut by an interrupted stop, lists less than is stored: keep the stored one.
    if (segments.length < this.uploaded.size) return;
    const fresh = segments.filter((s) => !this.uploaded.has(s.name));
    if (fresh.length === 0 && !final) return;
    try {
      if (this.quota && fresh.length > 0) {
        let adding = 0;
        for (const s of fresh) adding += (await fsp.stat(path.join(this.workDir, s.name))).size;
        const refused = await this.quota(adding);
        if (refused) {
          this.failure = refused;
          this.log.error(
            { recordingId: this.id, roomId: this.roomId },
            'recording reached its media quota; stopping it (the live goes on)',
          );
          void this.end(this.failure);
          return;
        }
      }
      if (this.parts === 1 && fresh.length > 0) await this.placeMediaStart(segments, fresh);
      for (const s of fresh) {
        const data = await fsp.readFile(path.join(this.workDir, s.name));
        if (this.bytes + data.length > this.maxBytes) {
          this.failure = `RECORDING_MAX_BYTES: this recording reached its ${this.maxBytes}-byte bound`;
          this.log.error({ recordingId: this.id, roomId: this.roomId }, 'recording reached its disk bound; stopping it (the live goes on)');
          void this.end(this.failure);
          return;
        }
        await this.storage.write(this.id, s.name, data);
        this.uploaded.add(s.name);
        this.bytes += data.length;
        // Free the local copy at once: the work directory holds only what is not stored yet.
        await fsp.rm(path.join(this.workDir, s.name), { force: true });
      }
      const listed = segments.filter((s) => this.uploaded.has(s.name));
      // Only complete lines (see parsePlaylist); a recording that ends is complete even if ffmpeg could not say so.
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      await this.storage.write(this.id, 'index.m3u8', Buffer.from(final && !ended ? `${complete}#EXT-X-ENDLIST\n` : complete));
      this.durationMs = listed.reduce((n, s) => n + s.durationS * 1000, 0);
    } catch (err) {
      const why = `storage write failed: ${(err as Error).message}`;
      this.failure = why;
      this.log.error(
        { err, recordingId: this.id, roomId: this.roomId },
        'recording storage failed; stopping the recording (the live goes on)',
      );
      void this.end(why);
      return;
    }
    await this.store
      .progress(this.id, this.durationMs, this.bytes)
      .catch((err: Error) => this.log.warn({ err }, 'recording progress not stored'));
  }
}
