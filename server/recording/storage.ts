import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Where a recording's finished files go (docs/replay.md). ffmpeg writes into a node-local work directory; the recorder
 * hands each finished segment, then the playlist that lists it, to the storage, so what the storage holds is always a
 * playable prefix of the recording. A write that fails (disk full, bucket unreachable) stops that recording with an
 * alert; the live goes on.
 *
 * The recorder needs only these two methods (a test's failing fake implements just them); MediaStorage below is the
 * whole interface the adapters implement.
 */
export interface RecordingStorage {
  /** Stores one file of a recording, replacing any previous version whole (readers never see half a file). */
  write(recordingId: string, name: string, data: Buffer): Promise<void>;
  /** A stored file, or null if there is none. */
  read(recordingId: string, name: string): Promise<Buffer | null>;
}

/** One stored file: its name within its owner (a recording's or a clip's id), size and last write. */
export interface StoredFile {
  name: string;
  size: number;
  modifiedAt: number;
}

/**
 * Media storage (issue 18, item 5): files grouped by an owner id (a recording, a clip), one flat directory each. The
 * local disk (`LocalDiskStorage`, the default) and any S3-compatible object store (`S3Storage`) implement it and pass
 * the same contract (test/recording/storage-contract.test.ts). Every failure is a `StorageError`; a missing file is
 * not a failure (null, or false for delete).
 */
export interface MediaStorage extends RecordingStorage {
  /** Appends to a file, creating it if missing. One writer per file at a time (S3 has no append: read, then write). */
  append(ownerId: string, name: string, data: Buffer): Promise<void>;
  /** The owner's files, by name. Empty when it has none. */
  list(ownerId: string): Promise<StoredFile[]>;
  /** One file's size and last write, or null if there is none. */
  stat(ownerId: string, name: string): Promise<StoredFile | null>;
  /** Deletes one file; false when there was none. */
  delete(ownerId: string, name: string): Promise<boolean>;
  /** Deletes every file of the owner; returns how many there were. Idempotent. */
  deleteAll(ownerId: string): Promise<number>;
}

/**
 * Why a storage operation failed: `BAD_NAME` (an id or name the storage refuses: a caller's bug, never retried),
 * `NO_SPACE` (disk or bucket full), `UNAVAILABLE` (the store cannot be reached: network, timeout, 5xx), `FAILED`
 * (anything else: permissions, a missing bucket, a corrupt answer).
 */
export type StorageErrorCode = 'BAD_NAME' | 'NO_SPACE' | 'UNAVAILABLE' | 'FAILED';

/** A failed storage operation, whatever the adapter: `code` says what kind, `message` what and where, `cause` the original. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const OWNER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Refuses ids and names outside the storage's alphabet (no separators, no leading dot), whatever the adapter. Ids and
 * names are already checked by the zod schemas at the edge (protocol/recordings.ts); this second check keeps a
 * traversal (or an object key escaping its owner's prefix) impossible whatever the caller.
 */
export function checkName(ownerId: string, name?: string): void {
  if (!OWNER_ID.test(ownerId) || (name !== undefined && (!FILE_NAME.test(name) || name.startsWith('.')))) {
    throw new StorageError('BAD_NAME', `Bad media file name ${JSON.stringify(ownerId)}/${JSON.stringify(name ?? '')}`);
  }
}

/** A local file system error as a StorageError (ENOSPC and EDQUOT: no space; the rest: failed). */
function diskError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const kind: StorageErrorCode = code === 'ENOSPC' || code === 'EDQUOT' ? 'NO_SPACE' : 'FAILED';
  return new StorageError(kind, `${what}: ${(err as Error).message}`, { cause: err });
}

/** The default storage: files under `root/<ownerId>/`, each written to a temporary name and renamed into place. */
export class LocalDiskStorage implements MediaStorage {
  constructor(readonly root: string) {}

  async write(recordingId: string, name: string, data: Buffer): Promise<void> {
    const file = this.resolve(recordingId, name);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(tmp, data);
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw diskError(err, `writing ${recordingId}/${name}`);
    }
  }

  async append(ownerId: string, name: string, data: Buffer): Promise<void> {
    const file = this.resolve(ownerId, name);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.appendFile(file, data);
    } catch (err) {
      throw diskError(err, `appending to ${ownerId}/${name}`);
    }
  }

  async read(recordingId: string, name: string): Promise<Buffer | null> {
    const file = this.resolve(recordingId, name);
    try {
      return await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw diskError(err, `reading ${recordingId}/${name}`);
    }
  }

  async list(ownerId: string): Promise<StoredFile[]> {
    checkName(ownerId);
    const dir = path.resolve(this.root, ownerId);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw diskError(err, `listing ${ownerId}`);
    }
    const files: StoredFile[] = [];
    // Temporary files of writes in progress (or cut by a crash) are not stored files.
    for (const name of names.filter((n) => FILE_NAME.test(n) && !n.startsWith('.') && !n.endsWith('.tmp')).sort()) {
      const s = await this.stat(ownerId, name);
      if (s) files.push(s);
    }
    return files;
  }

  async stat(ownerId: string, name: string): Promise<StoredFile | null> {
    const file = this.resolve(ownerId, name);
    try {
      const s = await fs.stat(file);
      return s.isFile() ? { name, size: s.size, modifiedAt: s.mtimeMs } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw diskError(err, `stat of ${ownerId}/${name}`);
    }
  }

  async delete(ownerId: string, name: string): Promise<boolean> {
    const file = this.resolve(ownerId, name);
    try {
      await fs.unlink(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw diskError(err, `deleting ${ownerId}/${name}`);
    }
  }

  async deleteAll(ownerId: string): Promise<number> {
    const files = await this.list(ownerId);
    try {
      await fs.rm(path.resolve(this.root, ownerId), { recursive: true, force: true });
    } catch (err) {
      throw diskError(err, `deleting ${ownerId}`);
    }
    return files.length;
  }

  /** The file's path, refusing anything outside `root/<ownerId>/` (StorageError BAD_NAME). */
  resolve(recordingId: string, name: string): string {
    checkName(recordingId, name);
    const dir = path.resolve(this.root, recordingId);
    const file = path.resolve(dir, name);
    if (path.dirname(file) !== dir || !dir.startsWith(path.resolve(this.root) + path.sep)) {
      throw new StorageError('BAD_NAME', `Media file ${name} resolves outside its directory`);
    }
    return file;
  }
}
