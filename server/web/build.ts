import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';
import { precompressDir } from './compress.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The page scripts, one bundle each (`web/pages/<name>.ts` → `/build/<name>.js`); code two pages share goes to shared
 * chunks, so a page loads only what it imports. A new page: add its name here and its HTML shell in web/public/.
 */
export const PAGE_ENTRIES = [
  'landing',
  'studio',
  'room',
  'console',
  'orders',
  'replay',
  'clips',
  'store',
  'search',
  'dashboard',
  'agency',
  'report',
  'crowd',
] as const;

/**
 * Modules a page imports dynamically but needs at once, built under stable names (`/build/<name>.js`) so its HTML
 * shell can `<link rel="modulepreload">` them: the browser then fetches and compiles them alongside the page's own
 * script instead of after it ran (issue 20: the room page's view and the SDK's media half, needed as soon as the join
 * is answered). A dynamic import of one of these resolves to its stable file.
 */
export const PRELOADED_MODULES = [
  { in: 'web/pages/lib/roomView.ts', out: 'room-view' },
  { in: 'client-sdk/src/media.ts', out: 'sdk-media' },
] as const;

/** Where the page scripts are: browser code, outside `server/` (it imports the SDK and the protocol by package name). */
const PAGES_DIR = 'web/pages';
/** Everything the bundles are made of: a change in any of these makes a new build. */
const SOURCE_DIRS = [PAGES_DIR, 'client-sdk/src', 'protocol/src'];
/** The pages' HTML shells: each build writes them again with their scripts' chunks preloaded (see writePageShells). */
const PUBLIC_DIR = 'web/public';
/** The workspace packages' manifests: their `exports` and `sideEffects` decide what the bundler takes. */
const SOURCE_FILES = ['client-sdk/package.json', 'protocol/package.json'];
const BUNDLED_PACKAGES = ['socket.io-client', 'mediasoup-client', 'zod', 'esbuild', 'hls.js'];

/** Where builds live: `web/dist/<inputs hash>/` (gitignored; served under `/build/`). */
export const BUILD_ROOT = path.join(root, 'web/dist');

/** A finished build of the page bundles. */
export interface WebBuild {
  /** Directory holding `<page>.js`, shared chunks and (development builds) source maps. */
  dir: string;
  /** Hash of the inputs it was built from. */
  key: string;
  /** False when an identical build already existed (another process or an earlier start made it). */
  built: boolean;
  /** When `built`: bytes of script each page loads (its bundle and the shared chunks it imports), for the start-up log. */
  pages?: Record<PageName, number>;
}

export type PageName = (typeof PAGE_ENTRIES)[number];

/**
 * esbuild's options for the page bundles into `outdir` (tests bundle with the same options to inspect the output).
 * `sourcemaps`: linked `.map` files beside the bundles; production builds have none (they would publish the pages'
 * source, comments included, to anyone).
 */
export function pageBuildOptions(outdir: string, minify = true, sourcemaps = true): BuildOptions {
  return {
    entryPoints: [
      ...PAGE_ENTRIES.map((name) => ({ in: path.join(root, PAGES_DIR, `${name}.ts`), out: name })),
      ...PRELOADED_MODULES.map((m) => ({ in: path.join(root, m.in), out: m.out })),
    ],
    absWorkingDir: root,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify,
    sourcemap: sourcemaps ? 'linked' : false,
    chunkNames: 'chunks/[name]-[hash]',
    // The pages take the SDK without its media classes (client-sdk/src/core.ts): importing them through the SDK's
    // index would put mediasoup-client in every page's first script (esbuild splits by file, and the index re-exports
    // them). LiveRoom loads the media module when a page watches or publishes, as a chunk fetched meanwhile (issue 20).
    alias: { '@hawker/client-sdk': path.join(root, 'client-sdk/src/core.ts') },
    legalComments: 'linked',
    logLevel: 'silent',
    metafile: true,
  };
}

/** Bytes of script each page loads: its entry bundle plus every chunk it imports, directly or not. */
export function pageSizes(meta: Metafile): Record<PageName, number> {
  const outputs = meta.outputs;
  const closure = (file: string, seen: Set<string>): Set<string> => {
    if (seen.has(file)) return seen;
    seen.add(file);
    for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) closure(i.path, seen);
    return seen;
  };
  const sizes = {} as Record<PageName, number>;
  for (const [file, out] of Object.entries(outputs)) {
    const name = PAGE_ENTRIES.find((p) => out.entryPoint === path.posix.join(PAGES_DIR, `${p}.ts`));
    if (name) sizes[name] = [...closure(file, new Set())].reduce((n, f) => n + (outputs[f]?.bytes ?? 0), 0);
  }
  return sizes;
}

/** How `buildWeb` builds. */
export interface BuildWebOptions {
  /** Default true. */
  minify?: boolean;
  /** Source maps beside the bundles. Default: only when NODE_ENV is not `production`. */
  sourcemaps?: boolean;
}

/**
 * Bundles the page scripts (which import the SDK, socket.io-client and mediasoup-client) with esbuild, so the pages
 * need nothing from outside the server at run time. Builds are content-addressed by a hash of every input, which makes
 * this cheap when nothing changed (hash, find the directory, done) and safe when several processes start at once
 * (each builds into a private directory and renames it into place; the loser of the race uses the winner's).
 * The bundled packages are development dependencies: a deployment without them must ship a build made beforehand
 * (scripts/build-web.ts).
 */
export async function buildWeb(opts: BuildWebOptions = {}): Promise<WebBuild> {
  const minify = opts.minify ?? true;
  const sourcemaps = opts.sourcemaps ?? process.env.NODE_ENV !== 'production';
  const versions = await bundledVersions();
  const key = await inputsHash(minify, sourcemaps, versions);
  const dir = path.join(BUILD_ROOT, key);
  if (await exists(path.join(dir, 'ok'))) return { dir, key, built: false };

  let esbuild: typeof import('esbuild');
  try {
    // A production install (npm prune --omit=dev) keeps esbuild, which tsx needs, but not socket.io-client and
    // mediasoup-client: esbuild alone cannot build the pages.
    const missing = BUNDLED_PACKAGES.filter((pkg) => versions[pkg] === null);
    if (missing.length > 0) throw new Error(`not installed: ${missing.join(', ')}`);
    esbuild = await import('esbuild');
  } catch (cause) {
    // Nothing to build with here: the inputs hash cannot match a build made where the packages were installed, so
    // serve the newest build shipped with the server (scripts/build-web.ts).
    const shipped = await newestBuild();
    if (shipped) return { dir: path.join(BUILD_ROOT, shipped), key: shipped, built: false };
    throw new Error(
      `The web pages are not built and cannot be built here (${(cause as Error).message}): run \`node --import tsx scripts/build-web.ts\` where dev dependencies are installed, and ship web/dist/`,
      { cause },
    );
  }
  await fs.mkdir(BUILD_ROOT, { recursive: true });
  const tmp = path.join(BUILD_ROOT, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let pages: Record<PageName, number>;
  try {
    const result = await esbuild.build(pageBuildOptions(tmp, minify, sourcemaps));
    pages = pageSizes(result.metafile!);
    await writePageShells(tmp, result.metafile!);
    // Brotli and gzip copies beside every script (served by compressedStatic): compressed once here, at the strongest
    // level, instead of on every request.
    await precompressDir(tmp);
    await fs.writeFile(path.join(tmp, 'ok'), `${new Date().toISOString()}\n`);
    await fs.rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same build first: theirs is identical, keep it.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  await pruneOldBuilds(key);
  return { dir, key, built: true, pages };
}

/** The installed version of each bundled package, null when it is not installed. */
async function bundledVersions(): Promise<Record<string, string | null>> {
  const versions: Record<string, string | null> = {};
  for (const pkg of BUNDLED_PACKAGES) {
    const manifest = await fs.readFile(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8').catch(() => '{}');
    versions[pkg] = (JSON.parse(manifest) as { version?: string }).version ?? null;
  }
  return versions;
}

/** Hash of every source file the bundles are made of, the bundled packages' versions, and the build options. */
async function inputsHash(minify: boolean, sourcemaps: boolean, versions: Record<string, string | null>): Promise<string> {
  // The source-map flag joins the hash only when off, so development builds keep the key they had.
  const hash = createHash('sha256').update(`minify=${minify}\n${sourcemaps ? '' : 'sourcemaps=false\n'}precompressed\n`);
  const files = [
    ...(await Promise.all(SOURCE_DIRS.map((dir) => listFiles(path.join(root, dir))))).flat(),
    ...SOURCE_FILES.map((f) => path.join(root, f)),
    ...(await pageShells()),
  ];
  for (const file of files) hash.update(`${path.relative(root, file)}\n`).update(await fs.readFile(file));
  for (const pkg of BUNDLED_PACKAGES) hash.update(`${pkg}@${versions[pkg] ?? 'missing'}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** The HTML shells in web/public/ (only its top level: its folders hold images and uploads). */
async function pageShells(): Promise<string[]> {
  const names = await fs.readdir(path.join(root, PUBLIC_DIR)).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.html'))
    .sort()
    .map((n) => path.join(root, PUBLIC_DIR, n));
}

/** Where a build keeps its copies of the HTML shells (served before web/public's: server/web/index.ts). */
export const PAGE_SHELLS_DIR = 'pages';

/**
 * Writes each HTML shell that loads a bundle into `<outdir>/pages/`, with a `<link rel="modulepreload">` for every
 * shared chunk its scripts import statically (issue 17: first frame sooner). Without them the browser finds a chunk
 * only once the script importing it has arrived and been parsed: one more request after the page's script before it
 * can run (the room page's SDK chunk came ~0.3–0.4 s after room.js in bench:first-frame). Chunk names carry a content
 * hash, so only the build can name them.
 */
async function writePageShells(outdir: string, meta: Metafile): Promise<void> {
  const outputs = meta.outputs;
  const urlOf = (file: string) => `/build/${path.relative(outdir, path.join(root, file)).split(path.sep).join('/')}`;
  const byUrl = new Map(Object.keys(outputs).map((file) => [urlOf(file), file]));
  const closure = (file: string, seen: Set<string>): Set<string> => {
    for (const i of outputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement' || i.external || seen.has(i.path)) continue;
      seen.add(i.path);
      closure(i.path, seen);
    }
    return seen;
  };
  await fs.mkdir(path.join(outdir, PAGE_SHELLS_DIR), { recursive: true });
  for (const shell of await pageShells()) {
    const html = await fs.readFile(shell, 'utf8');
    const listed = [...html.matchAll(/(?:src|href)="(\/build\/[^"]+\.js)"/g)].map((m) => m[1]!);
    const chunks = new Set<string>();
    for (const url of listed) {
      const file = byUrl.get(url);
      if (file) for (const dep of closure(file, new Set())) chunks.add(urlOf(dep));
    }
    for (const url of listed) chunks.delete(url);
    if (chunks.size === 0) continue;
    const links = [...chunks].map((url) => `  <link rel="modulepreload" href="${url}">\n`).join('');
    const at = html.indexOf('</head>');
    if (at < 0) continue;
    await fs.writeFile(path.join(outdir, PAGE_SHELLS_DIR, path.basename(shell)), html.slice(0, at) + links + html.slice(at));
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return (
    entries
      .filter((e) => e.isFile())
      // `parentPath` is Node 20.12+; earlier Node 20 releases call it `path`.
      .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort()
  );
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** The most recently finished build, if any. */
async function newestBuild(): Promise<string | null> {
  let best: { name: string; at: number } | null = null;
  for (const name of await fs.readdir(BUILD_ROOT).catch(() => [])) {
    const st = await fs.stat(path.join(BUILD_ROOT, name, 'ok')).catch(() => null);
    if (st && (!best || st.mtimeMs > best.at)) best = { name, at: st.mtimeMs };
  }
  return best?.name ?? null;
}

/** Old builds pile up while pages are edited; keep the current one and anything a running process may still serve. */
async function pruneOldBuilds(current: string): Promise<void> {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of await fs.readdir(BUILD_ROOT).catch(() => [])) {
    if (name === current) continue;
    const full = path.join(BUILD_ROOT, name);
    const st = await fs.stat(full).catch(() => null);
    if (st && st.mtimeMs < cutoff) await fs.rm(full, { recursive: true, force: true }).catch(() => {});
  }
}
