import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3 } from '../../harness/s3.ts';
import { useTeardown, type Teardown } from '../../harness/teardown.ts';
import { S3Storage } from '../../server/recording/s3.ts';
import { LocalDiskStorage, type MediaStorage, StorageError } from '../../server/recording/storage.ts';

const t = useTeardown();

/** A TCP port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function s3(o: { endpoint: string; bucket: string; maxAttempts?: number }): S3Storage {
  const storage = new S3Storage({ ...o, ...S3RVER_CREDENTIALS, region: 'us-east-1', prefix: 'media/', forcePathStyle: true });
  t.defer(() => storage.close());
  return storage;
}

/** Each adapter: a working storage, and ways it fails with the kind of StorageError they must give. */
interface Adapter {
  name: string;
  make(t: Teardown): Promise<MediaStorage>;
  /**
   * `reads`: the reads that may answer "nothing stored" instead of failing, where the adapter cannot tell the fault
   * from an empty store (a local root that is a file has no files; S3's HEAD has no body to say "no bucket" with).
   * Writes always fail.
   */
  failures: { what: string; code: StorageError['code']; reads?: string[]; make(t: Teardown): Promise<MediaStorage> }[];
}

const adapters: Adapter[] = [
  {
    name: 'LocalDiskStorage',
    make: async (t) => new LocalDiskStorage(await t.tempDir('hawker-media-')),
    failures: [
      {
        // Its root is a file: every directory under it fails to be made, as on a broken mount.
        what: 'its root is not a directory',
        code: 'FAILED',
        reads: ['read', 'stat', 'list'],
        make: async (t) => {
          const file = path.join(await t.tempDir('hawker-media-'), 'not-a-dir');
          await fs.writeFile(file, 'x');
          return new LocalDiskStorage(file);
        },
      },
    ],
  },
  {
    name: 'S3Storage (s3rver)',
    make: async (t) => s3(await startS3(t, 'hawker-media')),
    failures: [
      {
        what: 'the endpoint cannot be reached',
        code: 'UNAVAILABLE',
        make: async () => s3({ endpoint: `http://127.0.0.1:${await closedPort()}`, bucket: 'hawker-media', maxAttempts: 1 }),
      },
      {
        what: 'the bucket does not exist',
        code: 'FAILED',
        reads: ['stat'],
        make: async (t) => s3({ ...(await startS3(t, 'hawker-media')), bucket: 'no-such-bucket' }),
      },
    ],
  },
];

describe.each(adapters)('media storage contract: $name', (adapter) => {
  it('write replaces a file whole; read and stat give it back; missing files are null, not errors', async () => {
    const s = await adapter.make(t);
    expect(await s.read('rec1', 'index.m3u8')).toBeNull();
    expect(await s.stat('rec1', 'index.m3u8')).toBeNull();
    await s.write('rec1', 'index.m3u8', Buffer.from('#EXTM3U\nfirst, longer version\n'));
    await s.write('rec1', 'index.m3u8', Buffer.from('#EXTM3U\n'));
    expect((await s.read('rec1', 'index.m3u8'))?.toString()).toBe('#EXTM3U\n');
    const stat = await s.stat('rec1', 'index.m3u8');
    expect(stat).toMatchObject({ name: 'index.m3u8', size: 8 });
    expect(stat?.modifiedAt).toBeGreaterThan(Date.now() - 3_600_000);
    // Binary data round-trips byte for byte.
    const seg = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    await s.write('rec1', 'seg00000.ts', seg);
    expect((await s.read('rec1', 'seg00000.ts'))?.equals(seg)).toBe(true);
  });

  it('append creates a file, then adds to its end', async () => {
    const s = await adapter.make(t);
    await s.append('clip1', 'log.txt', Buffer.from('one\n'));
    await s.append('clip1', 'log.txt', Buffer.from('two\n'));
    expect((await s.read('clip1', 'log.txt'))?.toString()).toBe('one\ntwo\n');
    expect((await s.stat('clip1', 'log.txt'))?.size).toBe(8);
  });

  it('list gives an owner’s files by name with their sizes, and nothing of other owners', async () => {
    const s = await adapter.make(t);
    expect(await s.list('rec1')).toEqual([]);
    await s.write('rec1', 'seg00001.ts', Buffer.alloc(5));
    await s.write('rec1', 'index.m3u8', Buffer.alloc(3));
    await s.write('rec1', 'seg00000.ts', Buffer.alloc(4));
    await s.write('rec10', 'seg00000.ts', Buffer.alloc(9)); // a prefix of the other id: must not leak into its list
    const files = await s.list('rec1');
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ['index.m3u8', 3],
      ['seg00000.ts', 4],
      ['seg00001.ts', 5],
    ]);
  });

  it('delete removes one file (false when there was none); deleteAll removes an owner’s files and no one else’s', async () => {
    const s = await adapter.make(t);
    await s.write('rec1', 'a.ts', Buffer.from('a'));
    await s.write('rec1', 'b.ts', Buffer.from('b'));
    await s.write('rec2', 'a.ts', Buffer.from('keep'));
    expect(await s.delete('rec1', 'a.ts')).toBe(true);
    expect(await s.delete('rec1', 'a.ts')).toBe(false);
    expect(await s.read('rec1', 'a.ts')).toBeNull();
    await s.write('rec1', 'c.ts', Buffer.from('c'));
    expect(await s.deleteAll('rec1')).toBe(2);
    expect(await s.list('rec1')).toEqual([]);
    expect(await s.deleteAll('rec1')).toBe(0);
    expect((await s.read('rec2', 'a.ts'))?.toString()).toBe('keep');
  });

  it('refuses ids and names that could leave their owner (StorageError BAD_NAME), before touching anything', async () => {
    const s = await adapter.make(t);
    const bad: [string, string][] = [
      ['..', 'x.ts'],
      ['rec1', '../rec2'],
      ['rec1', 'a/b.ts'],
      ['rec1', '.hidden'],
      ['rec/1', 'x.ts'],
      ['', 'x.ts'],
    ];
    for (const [id, name] of bad) {
      await expect(s.write(id, name, Buffer.from('x'))).rejects.toMatchObject({ name: 'StorageError', code: 'BAD_NAME' });
      await expect(s.read(id, name)).rejects.toBeInstanceOf(StorageError);
    }
    await expect(s.list('../etc')).rejects.toMatchObject({ code: 'BAD_NAME' });
  });

  for (const failure of adapter.failures) {
    it(`when ${failure.what}, every operation fails with StorageError ${failure.code}`, async () => {
      const s = await failure.make(t);
      const ops: [string, () => Promise<unknown>][] = [
        ['write', () => s.write('rec1', 'seg00000.ts', Buffer.from('x'))],
        ['append', () => s.append('rec1', 'log.txt', Buffer.from('x'))],
        ['read', () => s.read('rec1', 'seg00000.ts').then((r) => (r === null ? Promise.reject(new Error('null')) : r))],
        ['stat', () => s.stat('rec1', 'seg00000.ts').then((r) => (r === null ? Promise.reject(new Error('null')) : r))],
        ['list', () => s.list('rec1').then((r) => (r.length === 0 ? Promise.reject(new Error('empty')) : r))],
      ];
      for (const [op, run] of ops) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        if (err instanceof Error && ['null', 'empty'].includes(err.message)) {
          expect(failure.reads ?? [], `${op} answered "nothing stored"`).toContain(op);
          continue;
        }
        expect(err, op).toBeInstanceOf(StorageError);
        expect((err as StorageError).code, `${op}: ${(err as Error).message}`).toBe(failure.code);
      }
    });
  }
});
