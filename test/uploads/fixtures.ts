import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A string planted in every fixture's metadata: stripping must leave none of it. */
export const PLANTED = 'GPS-48.8584N-2.2945E-planted';

/** A small picture encoded by Debian's ffmpeg (a real encoder's output, not hand-made bytes). */
export async function encode(ext: 'png' | 'jpg' | 'webp', size = '64x48'): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hawker-upload-'));
  try {
    const out = path.join(dir, `x.${ext}`);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=1`, '-frames:v', '1', out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether ffprobe decodes `data` as one picture of `width`×`height`. */
export async function decodes(data: Buffer, ext: string): Promise<{ width: number; height: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hawker-upload-'));
  try {
    const file = path.join(dir, `x.${ext}`);
    await writeFile(file, data);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'json', file]);
    const s = (JSON.parse(stdout) as { streams: { width: number; height: number }[] }).streams[0]!;
    return { width: s.width, height: s.height };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An EXIF TIFF block (big-endian) with Orientation `orientation` and an ImageDescription carrying PLANTED. */
function exifTiff(orientation: number): Buffer {
  const text = Buffer.from(`${PLANTED}\0`, 'latin1');
  const ifd = Buffer.alloc(2 + 2 * 12 + 4);
  ifd.writeUInt16BE(2, 0);
  // ImageDescription (0x010e, ASCII) pointing after the IFD
  ifd.writeUInt16BE(0x010e, 2);
  ifd.writeUInt16BE(2, 4);
  ifd.writeUInt32BE(text.length, 6);
  ifd.writeUInt32BE(8 + ifd.length, 10);
  // Orientation (0x0112, SHORT)
  ifd.writeUInt16BE(0x0112, 14);
  ifd.writeUInt16BE(3, 16);
  ifd.writeUInt32BE(1, 18);
  ifd.writeUInt16BE(orientation, 22);
  const head = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]);
  return Buffer.concat([head, ifd, text]);
}

/** `png` with tEXt, iTXt and eXIf chunks after IHDR, and a second file glued after IEND. */
export function pngWithMetadata(png: Buffer): Buffer {
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([
    png.subarray(0, ihdrEnd),
    pngChunk('tEXt', Buffer.from(`Comment\0${PLANTED}`, 'latin1')),
    pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>${PLANTED}</x:xmpmeta>`, 'latin1')),
    pngChunk('eXIf', exifTiff(1)),
    png.subarray(ihdrEnd),
    Buffer.from(`<html><script>alert("${PLANTED}")</script></html>`),
  ]);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** `jpg` with an EXIF APP1 (orientation 6, a description), an XMP APP1 and a comment right after SOI. */
export function jpegWithMetadata(jpg: Buffer): Buffer {
  return Buffer.concat([
    jpg.subarray(0, 2),
    jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifTiff(6)])),
    jpegSegment(0xe1, Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>${PLANTED}</x:xmpmeta>`, 'latin1')),
    jpegSegment(0xfe, Buffer.from(PLANTED, 'latin1')),
    jpg.subarray(2),
  ]);
}

function riffChunk(fourcc: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload, payload.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** A simple WebP turned extended (VP8X) with EXIF and XMP chunks. */
export function webpWithMetadata(webp: Buffer, width: number, height: number): Buffer {
  const image = webp.subarray(12);
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08 | 0x04; // EXIF and XMP present
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const body = Buffer.concat([
    Buffer.from('WEBP', 'latin1'),
    riffChunk('VP8X', vp8x),
    image,
    riffChunk('EXIF', exifTiff(1)),
    riffChunk('XMP ', Buffer.from(`<x:xmpmeta>${PLANTED}</x:xmpmeta>`, 'latin1')),
  ]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}
