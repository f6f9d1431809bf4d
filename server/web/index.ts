import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import express, { Router } from 'express';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { buildWeb, PAGE_SHELLS_DIR } from './build.ts';
import { compressedStatic } from './compress.ts';

export { buildWeb, type WebBuild } from './build.ts';

/** The pages' HTML, styles and images (`web/public/`); their scripts come from the build (`/build/`). */
const PUBLIC_DIR = fileURLToPath(new URL('../../web/public/', import.meta.url));
/** Folders of web/public/ whose files are product images (ImageUrl's same-origin paths: /samples/, /uploads/). */
const IMAGE_DIRS = ['samples', 'uploads'].map((dir) => path.join(PUBLIC_DIR, dir, path.sep));

/**
 * The web pages domain: hosts the landing page, creator studio, viewer room and agency console. The pages themselves
 * live outside the server, in `web/` (browser code and static assets): the node serves `web/public/` and the script
 * bundles built at start-up from `web/pages/` (see build.ts). Pages obtain dev tokens from POST /api/dev/tokens and then
 * use the client SDK like any other client.
 */
export async function createWeb(ctx: HawkerContext): Promise<Domain> {
  const log = ctx.log.child({ module: 'web' });
  const production = ctx.config.NODE_ENV === 'production';
  const router = Router();
  /** The build's copies of the HTML shells, with their scripts' chunks preloaded (build.ts, writePageShells). */
  let shells: string | undefined;

  try {
    const started = performance.now();
    // Production builds carry no source maps (they would publish the pages' source); development keeps them.
    const build = await buildWeb({ sourcemaps: !production });
    // `pages`: bytes of script each page loads (minified, before compression), when this start built them.
    log.info(
      { key: build.key, built: build.built, pages: build.pages, ms: Math.round(performance.now() - started) },
      build.built ? 'web pages built' : 'web pages up to date',
    );
    // A shipped build made elsewhere may still hold maps: production does not serve them.
    // Their precompressed copies (`.map.br`, `.map.gz`) neither.
    if (production) router.use('/build', (req, _res, next) => next(/\.map(?:\.br|\.gz)?$/.test(req.path) ? 'router' : undefined));
    // Compressed first (brotli or gzip, precompressed by the build), then the files as they are.
    router.use('/build', compressedStatic(build.dir, { setHeaders }), express.static(build.dir, { index: false, setHeaders }));
    shells = path.join(build.dir, PAGE_SHELLS_DIR);
  } catch (err) {
    // The API and media still work without the pages; say clearly why the pages do not.
    log.error({ err }, 'web pages unavailable: the page bundles could not be built');
    const message = `The web pages could not be built on this server (${(err as Error).message}). The API works; see the server log.`;
    router.use('/build', (_req, res) => {
      res.status(503).type('text/plain').send(message);
    });
  }
  // Compression is ours rather than the `compression` middleware's: the bundles are compressed once at build time at
  // brotli's strongest level (a per-request compressor could not afford it), the pages and styles once on first use.
  // A shell the build wrote is served instead of web/public's (a build from before shells existed has none: those
  // requests fall through to web/public).
  if (shells) {
    router.use(compressedStatic(shells, { extensions: ['html'], index: 'index.html', setHeaders }));
    router.use(express.static(shells, { extensions: ['html'], index: 'index.html', setHeaders, fallthrough: true }));
  }
  router.use(compressedStatic(PUBLIC_DIR, { extensions: ['html'], index: 'index.html', setHeaders }));
  router.use(express.static(PUBLIC_DIR, { extensions: ['html'], index: 'index.html', setHeaders }));
  ctx.app.use(router);
  return { name: 'web', async close() {} };
}

// The security headers (CSP, nosniff, referrer and framing rules) are set for every response by server/edge/headers.ts.
function setHeaders(res: ServerResponse, file: string): void {
  // Revalidate every time (ETags make that cheap): a redeploy must never pair new HTML with stale bundles.
  res.setHeader('Cache-Control', 'no-cache');
  // Product images may be these files, shown by pages on other origins too (SDK integrators): let them embed them.
  if (IMAGE_DIRS.some((dir) => file.startsWith(dir))) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}
