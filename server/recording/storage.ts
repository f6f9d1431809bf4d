import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Where a recording's finished files go (docs/replay.md). ffmpeg writes into a node-local work directory; the recorder
 * hands each finished segment, then the playlist that lists it, to the storage, so what the storage holds is always a
 * playable prefix of the recording. A write that fails (disk full, bucket unreachable) stops that recording with an
 * alert; the live goes on.
 */
export interface RecordingStorage {
  /** Stores one file of a recording, replacing any previous version whole (readers never see half a file). */
  write(recordingId: string, name: string, data: Buffer): Promise<void>;
  /** A stored file, or null if there is none. */
  read(recordingId: string, name: string): Promise<Buffer | null>;
}

/** The default storage: files under `root/<recordingId>/`, each written to a temporary name and renamed into place. */
export class LocalDiskStorage implements RecordingStorage {
  constructor(readonly root: string) {}

  async write(recordingId: string, name: string, data: Buffer): Promise<void> {
    const file = this.resolve(recordingId, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  }

  async read(recordingId: string, name: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.resolve(recordingId, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /**
   * The file's path, refusing anything outside `root/<recordingId>/`. Ids and names are already checked by the zod
   * schemas at the edge (protocol/recordings.ts); this second check keeps a traversal impossible whatever the caller.
   */
  resolve(recordingId: string, name: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(recordingId) || !/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name.startsWith('.')) {
      throw new Error(`Bad recording file name ${JSON.stringify(recordingId)}/${JSON.stringify(name)}`);
    }
    const dir = path.resolve(this.root, recordingId);
    const file = path.resolve(dir, name);
    if (path.dirname(file) !== dir || !dir.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`Recording file ${name} resolves outside its directory`);
    }
    return file;
  }
}
