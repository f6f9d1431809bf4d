import fs from 'node:fs/promises';
import path from 'node:path';
import { SEGMENT_S, spawnFfmpeg } from './ffmpeg.ts';
import type { RecordingStorage } from './storage.ts';

/** A cut that takes longer than this is killed and the clip fails (a CLIP_MAX_MS transcode takes seconds). */
const CUT_TIMEOUT_MS = 180_000;
/** How often the stall watchdog looks at what ffmpeg has written. */
const STALL_CHECK_MS = 500;

/** The failure reason's prefix of a cut killed by the stall watchdog: the setting that bounds it (clips.cut.stalled). */
export const CUT_STALLED = 'CLIP_CUT_STALL_MS';

/** Seams for tests (nothing sets them in production). */
export interface CutHooks {
  /** Rewrites the cut's ffmpeg arguments (a test makes its input one that never answers). */
  ffmpegArgs?: (args: string[], workDir: string) => Promise<string[]>;
}

/** One segment of a stored playlist, with where it starts and whether a discontinuity (a new part) comes before it. */
export interface StoredSegment {
  name: string;
  startMs: number;
  durationMs: number;
  discontinuity: boolean;
}

/**
 * The segments a stored HLS playlist lists (complete lines only: a recording in progress rewrites it), each with its
 * start in the recording, and the recording's stored length. Offsets are media time, the same as the timeline's.
 */
export function storedSegments(text: string): { segments: StoredSegment[]; totalMs: number } {
  const segments: StoredSegment[] = [];
  let duration: number | undefined;
  let discontinuity = false;
  let at = 0;
  const lines = text.split('\n');
  lines.pop();
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (/^seg\d{5,6}\.ts$/.test(line) && duration !== undefined && Number.isFinite(duration)) {
      const durationMs = Math.round(duration * 1000);
      segments.push({ name: line, startMs: at, durationMs, discontinuity });
      at += durationMs;
      duration = undefined;
      discontinuity = false;
    }
  }
  return { segments, totalMs: at };
}

/** The stored segments a range needs (every one it overlaps), and how far into the first one the range starts. */
export function segmentsFor(
  segments: readonly StoredSegment[],
  startMs: number,
  endMs: number,
): { parts: StoredSegment[]; skipMs: number } {
  const parts = segments.filter((s) => s.startMs < endMs && s.startMs + s.durationMs > startMs);
  return { parts, skipMs: parts[0] ? startMs - parts[0].startMs : 0 };
}

/** ffmpeg's arguments for a cut: the chosen segments in, decoded from `skipMs` for `durationMs`, a short HLS out. */
export function cutArgs(o: { input: string; outDir: string; skipMs: number; durationMs: number }): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-protocol_whitelist', 'file'],
    ...['-i', o.input],
    // After -i: decoded and dropped up to the start, so the clip starts on the exact frame (not the segment's keyframe).
    ...['-ss', (o.skipMs / 1000).toFixed(3), '-t', (o.durationMs / 1000).toFixed(3)],
    ...['-map', '0:v:0', '-map', '0:a:0?'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-threads', '2'],
    ...['-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_S})`],
    ...['-c:a', 'aac', '-b:a', '96k', '-ar', '48000'],
    ...['-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_list_size', '0', '-hls_playlist_type', 'vod'],
    ...['-hls_flags', 'independent_segments', '-hls_segment_filename', path.join(o.outDir, 'seg%05d.ts')],
    path.join(o.outDir, 'index.m3u8'),
  ];
}

/**
 * Cuts `startMs`..`endMs` of a stored recording into the clip's own HLS files in the same storage (under the clip's
 * id): the segments the range overlaps are copied to `workDir`, ffmpeg transcodes exactly the range (H.264 + AAC, a
 * keyframe every SEGMENT_S), and the clip's segments then its playlist are written to the storage. Returns the clip's
 * media duration (its playlist's), ms. `workDir` is removed whatever happens.
 */
export async function cutClip(
  storage: RecordingStorage,
  o: {
    recordingId: string;
    clipId: string;
    startMs: number;
    endMs: number;
    workDir: string;
    /** No new output for this long: ffmpeg is killed and the cut fails with CUT_STALLED (CLIP_CUT_STALL_MS). */
    stallMs: number;
    hooks?: CutHooks;
  },
): Promise<{ durationMs: number; bytes: number }> {
  const inDir = path.join(o.workDir, 'in');
  const outDir = path.join(o.workDir, 'out');
  try {
    await fs.mkdir(inDir, { recursive: true });
    await fs.mkdir(outDir, { recursive: true });
    const playlist = await storage.read(o.recordingId, 'index.m3u8');
    if (!playlist) throw new Error('the recording has no stored playlist');
    const { segments } = storedSegments(playlist.toString('utf8'));
    const { parts, skipMs } = segmentsFor(segments, o.startMs, o.endMs);
    if (parts.length === 0) throw new Error('no stored segment in that range');
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...parts.map((p) => p.durationMs)) / 1000)}`];
    lines.push('#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD');
    for (const [i, p] of parts.entries()) {
      const data = await storage.read(o.recordingId, p.name);
      if (!data) throw new Error(`segment ${p.name} of the recording is missing from the storage`);
      await fs.writeFile(path.join(inDir, p.name), data);
      if (p.discontinuity && i > 0) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${(p.durationMs / 1000).toFixed(6)},`, p.name);
    }
    lines.push('#EXT-X-ENDLIST', '');
    const input = path.join(inDir, 'source.m3u8');
    await fs.writeFile(input, lines.join('\n'));
    const args = cutArgs({ input, outDir, skipMs, durationMs: o.endMs - o.startMs });
    await runFfmpeg(o.hooks?.ffmpegArgs ? await o.hooks.ffmpegArgs(args, o.workDir) : args, outDir, o.stallMs);

    const out = await fs.readFile(path.join(outDir, 'index.m3u8'));
    const made = storedSegments(out.toString('utf8'));
    if (made.segments.length === 0) throw new Error('ffmpeg wrote no segment');
    let bytes = 0;
    // Segments first, the playlist last: what the storage holds is never a playlist naming a missing segment.
    for (const s of made.segments) {
      const data = await fs.readFile(path.join(outDir, s.name));
      bytes += data.length;
      await storage.write(o.clipId, s.name, data);
    }
    await storage.write(o.clipId, 'index.m3u8', out);
    return { durationMs: made.totalMs, bytes };
  } finally {
    await fs.rm(o.workDir, { recursive: true, force: true });
  }
}

/** The bytes of every file in `dir` (what ffmpeg has written so far); 0 if it cannot be read. */
async function bytesIn(dir: string): Promise<number> {
  let n = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    n += await fs.stat(path.join(dir, name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return n;
}

/**
 * Runs ffmpeg to its end; rejects with its stderr on a non-zero exit or past CUT_TIMEOUT_MS (then killed). The
 * watchdog: ffmpeg's output (the files in `outDir`) must grow at least once every `stallMs`, or ffmpeg is killed and
 * the cut rejects with CUT_STALLED. A stuck ffmpeg otherwise holds one of the node's CLIP_CUTS_CONCURRENT places, and
 * its clip stays `cutting`, until the whole-cut timeout.
 */
function runFfmpeg(args: string[], outDir: string, stallMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawnFfmpeg(args);
    let stderr = '';
    let stalled = false;
    ffmpeg.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const timer = setTimeout(() => ffmpeg.kill('SIGKILL'), CUT_TIMEOUT_MS);
    let seen = -1;
    let progressAt = Date.now();
    let checking = false;
    const watchdog = setInterval(() => {
      if (checking) return;
      checking = true;
      void bytesIn(outDir)
        .then((bytes) => {
          if (bytes !== seen) {
            seen = bytes;
            progressAt = Date.now();
          } else if (Date.now() - progressAt >= stallMs && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
            stalled = true;
            ffmpeg.kill('SIGKILL');
          }
        })
        .finally(() => {
          checking = false;
        });
    }, STALL_CHECK_MS);
    const done = () => {
      clearTimeout(timer);
      clearInterval(watchdog);
    };
    ffmpeg.once('error', (err) => {
      done();
      reject(err);
    });
    ffmpeg.once('exit', (code, signal) => {
      done();
      if (stalled) reject(new Error(`${CUT_STALLED}: ffmpeg wrote nothing for ${Math.round(stallMs / 1000)} s and was stopped`));
      else if (code === 0) resolve();
      else reject(new Error(`ffmpeg ${signal ? `killed (${signal})` : `exited ${code}`}: ${stderr.trim().slice(-300) || 'no output'}`));
    });
  });
}
