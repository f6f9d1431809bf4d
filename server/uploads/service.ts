import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Principal, UploadedImage } from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { stripImage } from './images.ts';
import type { UploadStore } from './store.ts';

export interface UploadLimits {
  /** UPLOAD_MAX_BYTES: bytes one upload may have, as sent. */
  maxBytes: number;
  /** UPLOAD_QUOTA_BYTES_PER_USER: stored bytes one user may have. */
  quotaBytes: number;
  /** UPLOAD_MAX_PIXELS: width x height one picture may declare. */
  maxPixels: number;
}

const EXT_TYPES = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;

/**
 * Image uploads: who may (policy.canUploadImages), how big (UPLOAD_MAX_BYTES, counted on the bytes received, whatever
 * Content-Length says; UPLOAD_MAX_PIXELS, as the file's header declares its size), what (images.ts: PNG, JPEG or WebP by their bytes, metadata stripped), where (`dir`, one file
 * per SHA-256 of the stripped bytes, written whole then renamed in) and how much per user (UploadStore's quota).
 */
export class UploadService {
  constructor(
    readonly store: UploadStore,
    private readonly dir: string,
    private readonly limits: UploadLimits,
  ) {}

  /** Checks the caller before anything is read: a refused role sends its bytes for nothing. */
  assertMayUpload(p: Principal): void {
    policy.require(policy.canUploadImages(p), 'Only creators and merchants upload product pictures');
  }

  /** Reads the body (at most UPLOAD_MAX_BYTES), strips it and stores it for `p`. */
  async upload(p: Principal, body: Readable, declaredLength: number | null): Promise<{ image: UploadedImage; created: boolean }> {
    this.assertMayUpload(p);
    const { maxBytes, quotaBytes } = this.limits;
    if (declaredLength !== null && declaredLength > maxBytes) throw this.tooLarge(declaredLength);
    const data = await readBounded(body, maxBytes, (n) => this.tooLarge(n));
    if (data.length === 0) throw AppError.badRequest('The upload is empty: send the picture as the request body');
    const img = stripImage(data);
    const { maxPixels } = this.limits;
    if (img.width * img.height > maxPixels)
      throw AppError.payloadTooLarge(
        'UPLOAD_MAX_PIXELS',
        maxPixels,
        `Pictures are at most ${maxPixels} pixels (UPLOAD_MAX_PIXELS); this one is ${img.width} x ${img.height}: scale it down and retry`,
      );
    const sha256 = createHash('sha256').update(img.data).digest('hex');
    const name = `${sha256}.${img.ext}`;
    const res = await this.store.add(
      p.userId,
      { sha256, contentType: img.type, bytes: img.data.length, width: img.width, height: img.height },
      quotaBytes,
      () => this.write(name, img.data),
    );
    if ('full' in res)
      throw AppError.quotaExceeded(
        'UPLOAD_QUOTA_BYTES_PER_USER',
        quotaBytes,
        `Your pictures use ${res.used} of your ${quotaBytes} bytes (UPLOAD_QUOTA_BYTES_PER_USER); this one needs ${img.data.length} more`,
      );
    const ext = res.row.contentType === 'image/png' ? 'png' : res.row.contentType === 'image/jpeg' ? 'jpg' : 'webp';
    return {
      created: res.created,
      image: {
        url: `/uploads/${res.row.sha256}.${ext}`,
        sha256: res.row.sha256,
        contentType: res.row.contentType,
        bytes: res.row.bytes,
        strippedBytes: Math.max(0, data.length - res.row.bytes),
        width: res.row.width,
        height: res.row.height,
      },
    };
  }

  /** A stored picture's bytes and type, or null. `name` is checked by the route (UploadFileParams). */
  async read(name: string): Promise<{ data: Buffer; contentType: string } | null> {
    const ext = name.slice(name.lastIndexOf('.') + 1) as keyof typeof EXT_TYPES;
    try {
      return { data: await readFile(path.join(this.dir, name)), contentType: EXT_TYPES[ext] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private tooLarge(n: number): AppError {
    const max = this.limits.maxBytes;
    return AppError.payloadTooLarge(
      'UPLOAD_MAX_BYTES',
      max,
      `Pictures are at most ${max} bytes (UPLOAD_MAX_BYTES); this one has ${n} or more: send a smaller one`,
    );
  }

  /** Writes the file unless it is there (same name, same bytes): to a temporary name, then renamed in whole. */
  private async write(name: string, data: Buffer): Promise<void> {
    const file = path.join(this.dir, name);
    if (
      await stat(file).then(
        (s) => s.size === data.length,
        () => false,
      )
    )
      return;
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, data, { mode: 0o644 });
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => {}); // best effort: the write's error is the one to report
      throw err;
    }
  }
}

/** The stream's bytes; `tooLarge(n)` is thrown as soon as more than `max` arrive (the rest is not read). */
function readBounded(body: Readable, max: number, tooLarge: (n: number) => AppError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const onData = (c: Buffer) => {
      n += c.length;
      if (n > max) {
        body.off('data', onData);
        body.pause();
        reject(tooLarge(n));
        return;
      }
      chunks.push(c);
    };
    body.on('data', onData);
    body.once('end', () => resolve(Buffer.concat(chunks, n)));
    body.once('error', reject);
  });
}
