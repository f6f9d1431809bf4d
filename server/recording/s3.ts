import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkName, type MediaStorage, StorageError, type StorageErrorCode, type StoredFile } from './storage.ts';

/** Where and how to reach the bucket (MEDIA_S3_* settings, docs/replay.md). */
export interface S3StorageOptions {
  /** The S3-compatible endpoint (`https://s3.example.com`, a MinIO, s3rver in tests); unset: AWS for `region`. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix of every object (`hawker/`), so one bucket can hold several deployments. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `bucket` in the path instead of the host name (MinIO, s3rver and most self-hosted stores need it). */
  forcePathStyle: boolean;
  /** Attempts per request (the SDK's retries with backoff) before the error surfaces. */
  maxAttempts?: number;
}

/** S3's names for "no such object" (GetObject says NoSuchKey; HeadObject, which has no body, only 404 NotFound). */
const MISSING = new Set(['NoSuchKey', 'NotFound']);

/** An SDK or network error as a StorageError: 5xx, throttling and unreachable → UNAVAILABLE; full → NO_SPACE. */
function s3Error(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  let kind: StorageErrorCode = 'FAILED';
  if (e.name === 'EntityTooLarge' || e.name === 'QuotaExceeded' || status === 507) kind = 'NO_SPACE';
  else if (
    (status !== undefined && status >= 500) ||
    e.name === 'SlowDown' ||
    e.name === 'TimeoutError' ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|socket hang up/.test(`${e.code ?? ''} ${e.message ?? ''}`)
  ) {
    kind = 'UNAVAILABLE';
  }
  return new StorageError(kind, `${what}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err });
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    MISSING.has(e.name ?? '') || (err instanceof S3ServiceException && e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket')
  );
}

/**
 * Media storage in an S3-compatible bucket (the AWS SDK v3): object `<prefix><ownerId>/<name>`. A PutObject replaces
 * an object whole and atomically, so readers never see half a file, as on the local disk. Playback reads through the
 * node (the HLS routes call `read`), so the bucket stays private and needs no CORS or CSP entry (docs/replay.md).
 */
export class S3Storage implements MediaStorage {
  readonly client: S3Client;

  constructor(readonly options: S3StorageOptions) {
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: options.maxAttempts ?? 3,
      // Checksums only where S3 requires them: many S3-compatible stores (MinIO before 2024, s3rver, Ceph) reject the
      // SDK's default aws-chunked CRC trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(ownerId: string, name: string): string {
    checkName(ownerId, name);
    return `${this.options.prefix}${ownerId}/${name}`;
  }

  async write(recordingId: string, name: string, data: Buffer): Promise<void> {
    const Key = this.key(recordingId, name);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key, Body: data, ContentLength: data.length }));
    } catch (err) {
      throw s3Error(err, `writing ${Key}`);
    }
  }

  async append(ownerId: string, name: string, data: Buffer): Promise<void> {
    // Objects are immutable: the new object is the old one and the data (fine for the small files appended to; the
    // interface allows one writer per file at a time, so nothing is lost between the read and the write).
    const before = await this.read(ownerId, name);
    await this.write(ownerId, name, before ? Buffer.concat([before, data]) : data);
  }

  async read(recordingId: string, name: string): Promise<Buffer | null> {
    const Key = this.key(recordingId, name);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key }));
      if (!res.Body) return Buffer.alloc(0);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return null;
      throw s3Error(err, `reading ${Key}`);
    }
  }

  async list(ownerId: string): Promise<StoredFile[]> {
    checkName(ownerId);
    const Prefix = `${this.options.prefix}${ownerId}/`;
    const files: StoredFile[] = [];
    try {
      for (let ContinuationToken: string | undefined; ; ) {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix, ContinuationToken }));
        for (const o of res.Contents ?? []) {
          const name = o.Key?.slice(Prefix.length) ?? '';
          // Only this owner's own files: a key with a further `/` belongs to nothing this interface wrote.
          if (!name || name.includes('/')) continue;
          files.push({ name, size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 });
        }
        if (!res.IsTruncated || !res.NextContinuationToken) break;
        ContinuationToken = res.NextContinuationToken;
      }
    } catch (err) {
      throw s3Error(err, `listing ${Prefix}`);
    }
    return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async stat(ownerId: string, name: string): Promise<StoredFile | null> {
    const Key = this.key(ownerId, name);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      return { name, size: res.ContentLength ?? 0, modifiedAt: res.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isMissing(err)) return null;
      throw s3Error(err, `stat of ${Key}`);
    }
  }

  async delete(ownerId: string, name: string): Promise<boolean> {
    // S3's DeleteObject succeeds for a missing key: ask first, so the answer says whether there was one.
    if (!(await this.stat(ownerId, name))) return false;
    const Key = this.key(ownerId, name);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key }));
      return true;
    } catch (err) {
      throw s3Error(err, `deleting ${Key}`);
    }
  }

  async deleteAll(ownerId: string): Promise<number> {
    const files = await this.list(ownerId);
    // DeleteObjects takes at most 1,000 keys a request.
    for (let i = 0; i < files.length; i += 1000) {
      const Objects = files.slice(i, i + 1000).map((f) => ({ Key: `${this.options.prefix}${ownerId}/${f.name}` }));
      try {
        const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects, Quiet: true } }));
        const failed = res.Errors?.[0];
        if (failed) throw new StorageError('FAILED', `deleting ${failed.Key}: ${failed.Code}: ${failed.Message}`);
      } catch (err) {
        throw s3Error(err, `deleting ${ownerId}'s files`);
      }
    }
    return files.length;
  }

  /** Closes the SDK's connections. */
  close(): void {
    this.client.destroy();
  }
}
