import type { UploadImageType } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';

/**
 * Sniffing and metadata stripping of uploaded images, at the byte level (docs/uploads.md says why not a re-encode):
 * the type is what the first bytes say (PNG signature, JPEG SOI + marker, RIFF/WEBP), never the name or Content-Type;
 * then the container is walked chunk by chunk (PNG chunks, JPEG segments, RIFF chunks) and only what a decoder needs
 * to draw the picture is copied out. Anything the walk does not understand, or that does not add up (a length past the
 * end, no image data), refuses the upload: a polyglot or truncated file is never stored as it came.
 *
 * Pure functions of bytes (no I/O, no decoding of pixels): the server never decompresses an uploaded picture, so a
 * decompression bomb costs it nothing and no image codec's parser ever sees untrusted input here.
 */

/** What is kept of an upload. */
export interface StrippedImage {
  type: UploadImageType;
  ext: 'png' | 'jpg' | 'webp';
  data: Buffer;
  width: number;
  height: number;
}

export const ALLOWED_TYPES: readonly UploadImageType[] = ['image/png', 'image/jpeg', 'image/webp'];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The type the bytes say, or null for anything else (SVG, HTML, GIF, text...). */
export function sniffImage(data: Buffer): UploadImageType | null {
  if (data.length >= 8 && data.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/**
 * The image with its metadata removed; throws UNSUPPORTED_MEDIA_TYPE for a type not allowed and BAD_REQUEST for a
 * damaged file of an allowed type.
 */
export function stripImage(data: Buffer): StrippedImage {
  const type = sniffImage(data);
  if (!type)
    throw AppError.unsupportedMediaType(
      'Only PNG, JPEG and WebP pictures can be uploaded (judged by the file itself, not its name): SVG, HTML and other files are refused',
      ALLOWED_TYPES,
    );
  if (type === 'image/png') return stripPng(data);
  if (type === 'image/jpeg') return stripJpeg(data);
  return stripWebp(data);
}

function damaged(kind: string, why: string): AppError {
  return AppError.badRequest(`This ${kind} file is damaged or not one we can read (${why}); export it again and retry`);
}

// ---------------------------------------------------------------------------------------------------------------------
// PNG: chunks of length(4, BE) type(4) data crc(4), from IHDR to IEND.

/**
 * Chunks a PNG keeps: the critical ones and those that change how the pixels look. Dropped: tEXt, zTXt, iTXt, eXIf,
 * tIME, iCCP (a profile can carry names), pHYs, APNG's frames (the still image stays) and anything private.
 */
const PNG_KEEP = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'sBIT', 'bKGD']);

function stripPng(data: Buffer): StrippedImage {
  const parts: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  let width = 0;
  let height = 0;
  let sawIdat = false;
  let first = true;
  for (;;) {
    if (at + 12 > data.length) throw damaged('PNG', 'it ends before its IEND chunk');
    const len = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    const end = at + 12 + len;
    if (len > 0x7fffffff || end > data.length) throw damaged('PNG', `chunk ${JSON.stringify(type)} runs past the end`);
    if (!/^[A-Za-z]{4}$/.test(type)) throw damaged('PNG', 'a chunk has no valid type');
    if (first) {
      if (type !== 'IHDR' || len !== 13) throw damaged('PNG', 'it does not start with IHDR');
      width = data.readUInt32BE(at + 8);
      height = data.readUInt32BE(at + 12);
      first = false;
    }
    if (type === 'IDAT') sawIdat = true;
    if (PNG_KEEP.has(type)) parts.push(data.subarray(at, end));
    at = end;
    if (type === 'IEND') break; // bytes after IEND (a second file glued on) are dropped
  }
  if (!sawIdat || width === 0 || height === 0) throw damaged('PNG', 'it has no image data');
  return { type: 'image/png', ext: 'png', data: Buffer.concat(parts), width, height };
}

// ---------------------------------------------------------------------------------------------------------------------
// JPEG: segments FF xx [length(2, BE, itself included) payload]; after SOS, entropy-coded data up to the next marker.

function stripJpeg(data: Buffer): StrippedImage {
  const parts: Buffer[] = [data.subarray(0, 2)]; // SOI
  let at = 2;
  let width = 0;
  let height = 0;
  let orientation = 1;
  let sawScan = false;
  while (at < data.length) {
    if (data[at] !== 0xff) throw damaged('JPEG', 'a segment does not start with a marker');
    // Fill bytes (FF FF ...) may precede a marker.
    while (data[at + 1] === 0xff) at++;
    const marker = data[at + 1];
    if (marker === undefined) throw damaged('JPEG', 'it ends inside a marker');
    if (marker === 0xd9) {
      parts.push(data.subarray(at, at + 2)); // EOI; anything after it is dropped
      at = data.length;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(data.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > data.length) throw damaged('JPEG', 'it ends inside a segment header');
    const len = data.readUInt16BE(at + 2);
    const end = at + 2 + len;
    if (len < 2 || end > data.length) throw damaged('JPEG', 'a segment runs past the end');
    const payload = data.subarray(at + 4, end);
    // SOFn (not DHT C4, JPG C8, DAC CC): the frame's size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && payload.length >= 5) {
      height = payload.readUInt16BE(1);
      width = payload.readUInt16BE(3);
    }
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if (marker === 0xe1 && payload.toString('latin1', 0, 6) === 'Exif\0\0')
      orientation = exifOrientation(payload.subarray(6)) ?? orientation;
    // Dropped: every APPn (JFIF, EXIF, XMP, ICC, Photoshop...) but Adobe's APP14, which says how to convert the colours,
    // and COM comments.
    const keep = !(isApp && !(marker === 0xee && payload.toString('latin1', 0, 5) === 'Adobe')) && marker !== 0xfe;
    if (keep) parts.push(data.subarray(at, end));
    at = end;
    if (marker === 0xda) {
      sawScan = true;
      // Entropy-coded data: up to the next marker that is neither a stuffed FF00 nor a restart marker.
      let scan = at;
      while (
        scan + 1 < data.length &&
        !(data[scan] === 0xff && data[scan + 1] !== 0x00 && !(data[scan + 1]! >= 0xd0 && data[scan + 1]! <= 0xd7))
      )
        scan++;
      if (scan + 1 >= data.length) throw damaged('JPEG', 'its image data has no end');
      parts.push(data.subarray(at, scan));
      at = scan;
    }
  }
  if (!sawScan || width === 0 || height === 0) throw damaged('JPEG', 'it has no image data');
  // A phone photo's rotation lives in its EXIF: keep that one tag (and nothing else) so the picture stays upright.
  if (orientation !== 1) parts.splice(1, 0, orientationApp1(orientation));
  return { type: 'image/jpeg', ext: 'jpg', data: Buffer.concat(parts), width, height };
}

/** The Orientation tag (0x0112) of an EXIF TIFF block's first IFD, if it has a valid one (2-8). */
function exifOrientation(tiff: Buffer): number | null {
  if (tiff.length < 8) return null;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return null;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > tiff.length) return null;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 2 && v <= 8 ? v : null;
    }
  }
  return null;
}

/** A minimal APP1 EXIF segment holding only the Orientation tag (big-endian TIFF, one IFD, one entry). */
function orientationApp1(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count 1
  tiff.writeUInt16BE(orientation, 18); // value, left-justified in the 4 bytes
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

// ---------------------------------------------------------------------------------------------------------------------
// WebP: RIFF <size LE> WEBP, then chunks fourcc(4) size(4, LE) payload, padded to an even length.

/** Chunks a WebP keeps: the bitstreams, alpha and animation. Dropped: EXIF, XMP, ICCP and anything unknown. */
const WEBP_KEEP = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF']);

function stripWebp(data: Buffer): StrippedImage {
  const riffEnd = 8 + data.readUInt32LE(4);
  if (riffEnd > data.length || riffEnd < 12) throw damaged('WebP', 'its RIFF size is wrong');
  const parts: Buffer[] = [];
  let at = 12;
  let width = 0;
  let height = 0;
  let sawImage = false;
  while (at < riffEnd) {
    if (at + 8 > riffEnd) throw damaged('WebP', 'it ends inside a chunk header');
    const fourcc = data.toString('latin1', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    const end = at + 8 + size + (size & 1);
    if (at + 8 + size > riffEnd) throw damaged('WebP', `chunk ${JSON.stringify(fourcc)} runs past the end`);
    const payload = data.subarray(at + 8, at + 8 + size);
    if (fourcc === 'VP8X' && size >= 10) {
      width = 1 + payload.readUIntLE(4, 3);
      height = 1 + payload.readUIntLE(7, 3);
    } else if (fourcc === 'VP8 ' && size >= 10) {
      if (!width) {
        width = payload.readUInt16LE(6) & 0x3fff;
        height = payload.readUInt16LE(8) & 0x3fff;
      }
      sawImage = true;
    } else if (fourcc === 'VP8L' && size >= 5) {
      if (!width) {
        const bits = payload.readUInt32LE(1);
        width = (bits & 0x3fff) + 1;
        height = ((bits >> 14) & 0x3fff) + 1;
      }
      sawImage = true;
    } else if (fourcc === 'ANMF') sawImage = true;
    if (WEBP_KEEP.has(fourcc)) {
      const chunk = Buffer.from(data.subarray(at, Math.min(end, riffEnd)));
      if (fourcc === 'VP8X') chunk[8] = chunk[8]! & ~(0x20 | 0x08 | 0x04); // no ICC, EXIF or XMP any more
      parts.push(chunk.length & 1 ? Buffer.concat([chunk, Buffer.alloc(1)]) : chunk);
    }
    at = end;
  }
  if (!sawImage || width === 0 || height === 0) throw damaged('WebP', 'it has no image data');
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WEBP', 8, 'latin1');
  return { type: 'image/webp', ext: 'webp', data: Buffer.concat([head, body]), width, height };
}
