import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import type { types } from 'mediasoup';

/** Target segment length, seconds: keyframes are forced (and requested from the creator) at this interval. */
export const SEGMENT_S = 2;

/** One RTP stream ffmpeg receives: where it listens and what the consumer sends there. */
export interface SdpTrack {
  kind: types.MediaKind;
  port: number;
  rtpParameters: types.RtpParameters;
}

/**
 * The SDP ffmpeg reads its input from: one m= line per consumer, at the port ffmpeg listens on, with the consumer's
 * payload type, codec and fmtp, and RTCP multiplexed on the RTP port (the PlainTransports use rtcpMux).
 */
export function sdpFor(tracks: readonly SdpTrack[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Hawker recording', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const t of tracks) {
    const codec = t.rtpParameters.codecs[0];
    if (!codec) throw new Error(`No codec for the ${t.kind} consumer`);
    const name = codec.mimeType.split('/')[1];
    const pt = codec.payloadType;
    lines.push(`m=${t.kind} ${t.port} RTP/AVP ${pt}`);
    lines.push(`a=rtpmap:${pt} ${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`);
    const fmtp = Object.entries(codec.parameters ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(';');
    if (fmtp) lines.push(`a=fmtp:${pt} ${fmtp}`);
    lines.push('a=rtcp-mux', 'a=recvonly');
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * ffmpeg's arguments: RTP in (the SDP file), HLS out (MPEG-TS segments, a playlist rewritten after every segment).
 * The codec route (docs/replay.md): VP8, which browsers publish, is transcoded to H.264 with libx264 (veryfast,
 * zerolatency, a keyframe forced every SEGMENT_S so every segment starts on one); H.264 is copied (`video: 'copy'`).
 * Opus becomes AAC, which TS carries and every MSE player decodes. `append`: a later part of the same recording (the creator's stream stopped and came back)
 * continues the playlist after a discontinuity.
 */
export function ffmpegArgs(o: {
  sdpFile: string;
  workDir: string;
  audio: boolean;
  append: boolean;
  /** `copy`: remux H.264 as it comes (the creator publishes H.264); default `transcode` (libx264). */
  video?: VideoRoute;
}): string[] {
  const video =
    o.video === 'copy'
      ? // Segments can only cut on the creator's keyframes: the recorder asks for one every SEGMENT_S.
        ['-c:v', 'copy']
      : [
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-tune',
          'zerolatency',
          '-pix_fmt',
          'yuv420p',
          '-force_key_frames',
          `expr:gte(t,n_forced*${SEGMENT_S})`,
        ];
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-protocol_whitelist',
    'file,udp,rtp',
    // RTP has no container to probe: start from what the SDP says, with timestamps from the RTP clock.
    '-fflags',
    '+genpts',
    '-analyzeduration',
    '2000000',
    '-i',
    o.sdpFile,
    '-map',
    '0:v:0',
    ...(o.audio ? ['-map', '0:a:0'] : []),
    ...video,
    ...(o.audio ? ['-c:a', 'aac', '-b:a', '96k', '-ar', '48000'] : []),
    '-f',
    'hls',
    '-hls_time',
    String(SEGMENT_S),
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    'mpegts',
    '-hls_playlist_type',
    'event',
    '-hls_flags',
    `append_list+independent_segments${o.append ? '+discont_start' : ''}`,
    '-hls_segment_filename',
    `${o.workDir}/seg%05d.ts`,
    `${o.workDir}/index.m3u8`,
  ];
}

/** How the recorder's ffmpeg treats the creator's video: re-encode it with libx264, or copy H.264 as it comes. */
export type VideoRoute = 'transcode' | 'copy';

/**
 * The route for a video codec (docs/replay.md, "The codec route"): H.264, which MPEG-TS carries and every MSE player
 * decodes, is remuxed (some 30 times cheaper); anything else (VP8, what browsers publish by default) is transcoded.
 */
export function videoRouteFor(mimeType: string): VideoRoute {
  return mimeType.toLowerCase() === 'video/h264' ? 'copy' : 'transcode';
}

/** Spawns ffmpeg (Debian's /usr/bin/ffmpeg, or FFMPEG_PATH) with stderr kept for the log. */
export function spawnFfmpeg(args: string[]): ChildProcess {
  return spawn(process.env.FFMPEG_PATH ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Binds a UDP socket on 127.0.0.1 (`port` 0: any), or resolves null when the port is taken. */
async function bindUdp(port: number): Promise<dgram.Socket | null> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(null));
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/**
 * A UDP port free right now whose next port is free too (ffmpeg's RTP input binds port + 1 for RTCP even when the SDP
 * says rtcp-mux); ffmpeg binds them next.
 */
export async function freeUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = await bindUdp(0);
    if (!a) continue;
    const port = a.address().port;
    const b = port < 65535 ? await bindUdp(port + 1) : null;
    await new Promise<void>((resolve) => a.close(() => resolve()));
    if (b) {
      await new Promise<void>((resolve) => b.close(() => resolve()));
      return port;
    }
  }
  throw new Error('No pair of free UDP ports for ffmpeg');
}

/**
 * Whether some process has bound every one of these UDP ports, read from /proc/net/udp (Linux) without touching the
 * ports themselves: probing by binding could take a port from ffmpeg at the wrong moment.
 */
export async function udpPortsBound(ports: readonly number[]): Promise<boolean> {
  const bound = new Set<number>();
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      const hex = local?.split(':').pop();
      if (hex) bound.add(Number.parseInt(hex, 16));
    }
  }
  return ports.every((p) => bound.has(p));
}

/** One segment of an HLS media playlist. */
export interface PlaylistSegment {
  name: string;
  durationS: number;
}

/** The segments an HLS media playlist lists, in order, and whether it is complete (#EXT-X-ENDLIST). */
export function parsePlaylist(text: string): { segments: PlaylistSegment[]; ended: boolean } {
  const segments: PlaylistSegment[] = [];
  let duration: number | undefined;
  let ended = false;
  // ffmpeg rewrites the playlist in place: a read can catch it half written, so only complete lines count.
  const lines = text.split('\n');
  lines.pop();
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (/^seg\d{5,6}\.ts$/.test(line) && duration !== undefined) {
      segments.push({ name: line, durationS: duration });
      duration = undefined;
    }
  }
  return { segments, ended };
}
