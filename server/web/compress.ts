import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** The text assets worth compressing (scripts, styles, pages, SVG images, source maps, licences); images are not. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|map|txt)$/;

/** Encodings we produce, best first. */
export type Encoding = 'br' | 'gzip';
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

/** Whether a file is a compressible text asset (by its name: these are our own files, not uploads). */
export function compressible(file: string): boolean {
  return COMPRESSIBLE.test(file);
}

/**
 * Compresses `data` as `encoding` at the strongest level: done once per file (at build time for the page bundles, on
 * first request for the static pages), so CPU per request is nil.
 */
export function compress(data: Buffer, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      })
    : gzip(data, { level: zlib.constants.Z_BEST_COMPRESSION });
}

/** Writes `<file>.br` and `<file>.gz` beside every compressible file under `dir` (a fresh build's output). */
export async function precompressDir(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((e) => e.isFile() && compressible(e.name))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  await Promise.all(
    files.map(async (file) => {
      const data = await fs.readFile(file);
      for (const enc of ['br', 'gzip'] as const) await fs.writeFile(file + SUFFIX[enc], await compress(data, enc));
    }),
  );
}

/** The encoding to send for an Accept-Encoding header: brotli, else gzip, else none (q=0 means refused). */
export function negotiate(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name!.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  for (const enc of ['br', 'gzip'] as const) if ((accepted.get(enc) ?? accepted.get('*') ?? 0) > 0) return enc;
  return null;
}

interface Cached {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
}

/** How {@link compressedStatic} maps a request to a file. */
export interface CompressedStaticOptions {
  /** The file served for a directory path ("/" → index.html). */
  index?: string;
  /** Extensions tried for an extensionless path ("/room" → room.html), like express.static's `extensions`. */
  extensions?: string[];
  /** Extra headers, the same hook express.static calls (caching, cross-origin rules). */
  setHeaders?: (res: ServerResponse, file: string) => void;
}

/**
 * Serves the compressed form of `root`'s text assets to clients that accept brotli or gzip, and passes everything else
 * (images, clients without either, missing files) to the next handler (express.static on the same folder). Every
 * compressible response says `Vary: Accept-Encoding`, so a shared cache never hands brotli to a client that cannot
 * read it. A precompressed `<file>.br` / `<file>.gz` beside the file (the page build writes them) is used as is;
 * otherwise the file is compressed on first request and kept in memory until it changes (its mtime or size), which
 * suits the small, fixed set of pages and styles. Conditional requests get 304 by a strong ETag of the compressed bytes.
 */
export function compressedStatic(root: string, opts: CompressedStaticOptions = {}): RequestHandler {
  const base = path.resolve(root);
  const cache = new Map<string, Cached>();
  const pending = new Map<string, Promise<Cached>>();

  const load = async (file: string, enc: Encoding, st: { mtimeMs: number; size: number }): Promise<Cached> => {
    const key = `${file}\0${enc}`;
    const hit = cache.get(key);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    let job = pending.get(key);
    if (!job) {
      job = (async () => {
        // A sibling written by the build, if it is not older than the file itself.
        const pre = await fs.stat(file + SUFFIX[enc]).catch(() => null);
        const body =
          pre && pre.mtimeMs >= st.mtimeMs ? await fs.readFile(file + SUFFIX[enc]) : await compress(await fs.readFile(file), enc);
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}-${enc}"`;
        const entry = { mtimeMs: st.mtimeMs, size: st.size, body, etag };
        cache.set(key, entry);
        return entry;
      })().finally(() => pending.delete(key));
      pending.set(key, job);
    }
    return job;
  };

  const resolve = async (urlPath: string): Promise<string | null> => {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (rel.includes('\0')) return null;
    let file = path.join(base, rel);
    // Never outside the folder, and never a dotfile (express.static's default refuses those too).
    if (file !== base && !file.startsWith(base + path.sep)) return null;
    if (
      path
        .relative(base, file)
        .split(path.sep)
        .some((part) => part.startsWith('.'))
    )
      return null;
    if (rel.endsWith('/')) file = path.join(file, opts.index ?? 'index.html');
    else if (!path.extname(file)) {
      for (const ext of opts.extensions ?? []) {
        const candidate = `${file}.${ext}`;
        if (await isFile(candidate)) return candidate;
      }
      return null;
    }
    return file;
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    (async () => {
      const file = await resolve(req.path);
      if (!file || !compressible(file)) return next();
      const st = await fs.stat(file).catch(() => null);
      if (!st?.isFile()) return next();
      // Identity responses of the same URL must say it too: the body depends on the request's Accept-Encoding.
      res.vary('Accept-Encoding');
      const enc = negotiate(req.headers['accept-encoding']);
      if (!enc) return next();
      const entry = await load(file, enc, st);
      opts.setHeaders?.(res, file);
      res.type(path.extname(file));
      res.setHeader('Content-Encoding', enc);
      res.setHeader('ETag', entry.etag);
      if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(entry.etag)) {
        res.status(304).end();
        return;
      }
      res.setHeader('Content-Length', entry.body.length);
      res.status(200).end(req.method === 'HEAD' ? undefined : entry.body);
    })().catch(next);
  };
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}
