/**
 * Recording's CPU per recorded room (docs/replay.md): the two codec routes of issue 18, measured on the recorder's
 * ffmpeg process alone (mediasoup forwards one consumer either way, the same cost for both).
 *
 * - transcode (shipped for VP8 producers): VP8 RTP, as browsers publish it, decoded and re-encoded to H.264 with libx264 (veryfast,
 *   zerolatency, a keyframe every 2 s), MPEG-TS HLS: exactly server/recording/ffmpeg.ts's arguments.
 * - remux (shipped for H.264 producers): H.264 RTP (what a browser sends when it publishes H.264) copied into MPEG-TS
 *   HLS (`-c:v copy`): the recorder's arguments for an H.264 producer.
 *
 * Each run feeds `--seconds` of testsrc at each `--sizes` (30 frames/s, encoded beforehand) as RTP from a sender
 * ffmpeg that only copies, and reads the recorder's user + system CPU from /proc: CPU seconds per second of media =
 * cores one recorded room takes.
 *
 *   npm run bench:recording [-- --seconds 20 --sizes 640x480,1280x720]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ffmpegArgs, freeUdpPort, sdpFor, udpPortsBound, videoRouteFor } from '../server/recording/ffmpeg.ts';
import { cpuSeconds } from './lib/cpu.ts';
import { onCleanup, runMain } from './lib/procs.ts';
import { printTable, progress, round, writeResult } from './lib/report.ts';

const { values: opt } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, sizes: { type: 'string', default: '640x480,1280x720' } },
});
const SECONDS = Number(opt.seconds);

type Route = 'transcode' | 'remux';

/**
 * Encodes SECONDS + 4 s of testsrc at `size` once per route, as a browser would send it: VP8 (libvpx realtime) in WebM,
 * H.264 (libx264 baseline) in MPEG-TS, which carries SPS/PPS in-band before each keyframe as browsers send them. Both
 * about 1.5 Mbit/s with a keyframe every 2 s (the recorder asks for them at that interval).
 */
async function encodeSources(size: string): Promise<Record<Route, string>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hawker-bench-src-'));
  onCleanup(() => fs.rm(dir, { recursive: true, force: true }));
  const input = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${size}:rate=30`,
    '-t',
    String(SECONDS + 4),
    '-pix_fmt',
    'yuv420p',
  ];
  const out = { transcode: path.join(dir, 'src.webm'), remux: path.join(dir, 'src.ts') };
  const encode = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn('ffmpeg', [...input, ...args], { stdio: 'ignore' });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`source encode failed (${code})`))));
    });
  await encode(['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-g', '60', out.transcode]);
  await encode(['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-b:v', '1500k', '-g', '60', out.remux]);
  return out;
}

async function measure(route: Route, source: Record<Route, string>): Promise<{ cpuPerS: number; segments: number }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hawker-bench-rec-'));
  onCleanup(() => fs.rm(dir, { recursive: true, force: true }));
  const port = await freeUdpPort();
  const codec =
    route === 'transcode'
      ? { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, parameters: {} }
      : { mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1 } };
  const sdpFile = path.join(dir, 'input.sdp');
  await fs.writeFile(sdpFile, sdpFor([{ kind: 'video', port, rtpParameters: { codecs: [codec], headerExtensions: [], encodings: [] } }]));
  // Exactly the recorder's arguments for the codec (server/recording/ffmpeg.ts: H.264 is copied, VP8 transcoded).
  const args = ffmpegArgs({ sdpFile, workDir: dir, audio: false, append: false, video: videoRouteFor(codec.mimeType) });
  const recorder = spawn(
    'ffmpeg',
    args.map((a) => (a === 'error' ? (process.env.BENCH_FFMPEG_LOG ?? 'error') : a)),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise((r) => recorder.once('exit', r));
  onCleanup(() => void recorder.kill('SIGKILL'));
  while (!(await udpPortsBound([port]))) await new Promise((r) => setTimeout(r, 25));
  // The sender plays the browser, copying a pre-encoded stream (so its own CPU does not compete with the recorder's).
  const sender = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-i',
      source[route],
      '-t',
      String(SECONDS + 2),
      '-c',
      'copy',
      '-payload_type',
      String(codec.payloadType),
      '-f',
      'rtp',
      `rtp://127.0.0.1:${port}?pkt_size=1200`,
    ],
    { stdio: 'ignore' },
  );
  onCleanup(() => void sender.kill('SIGKILL'));
  // Skip the first 2 s (probing, encoder start), then measure SECONDS of steady recording.
  await new Promise((r) => setTimeout(r, 2_000));
  const c0 = cpuSeconds(recorder.pid!) ?? 0;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = (cpuSeconds(recorder.pid!) ?? 0) - c0;
  const wall = (Date.now() - t0) / 1000;
  sender.kill('SIGKILL');
  recorder.kill('SIGINT');
  setTimeout(() => recorder.kill('SIGINT'), 1_000).unref();
  await exited;
  const segments = (await fs.readdir(dir)).filter((f) => f.endsWith('.ts')).length;
  return { cpuPerS: cpu / wall, segments };
}

runMain(
  'bench:recording',
  async () => {
    const rows: (string | number)[][] = [];
    const results: Record<string, unknown>[] = [];
    for (const size of opt.sizes.split(',')) {
      progress(`encoding the ${size} sources`);
      const source = await encodeSources(size);
      for (const route of ['transcode', 'remux'] as const) {
        progress(`${route} ${size}: ${SECONDS} s`);
        const r = await measure(route, source);
        rows.push([route, size, `${round(r.cpuPerS * 100)} %`, round(1 / r.cpuPerS, 1), r.segments]);
        results.push({ route, size, cpuCoresPerRoom: round(r.cpuPerS, 3), roomsPerCore: round(1 / r.cpuPerS, 1), segments: r.segments });
      }
    }
    printTable('Recorder CPU per recorded room (ffmpeg only; one core = 100 %)', [
      ['route', 'size', 'CPU', 'rooms/core', 'segments'],
      ...rows,
    ]);
    writeResult('recording', { seconds: SECONDS, results });
  },
  600,
);
