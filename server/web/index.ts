import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import express, { Router } from 'express';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { buildWeb } from './build.ts';

export { buildWeb, type WebBuild } from './build.ts';

/** The pages' HTML, styles and images (`web/public/`); their scripts come from the build (`/build/`). */
const PUBLIC_DIR = fileURLToPath(new URL('../../web/public/', import.meta.url));

/**
 * Pages may load scripts, styles and fonts only from this server; they talk to it over HTTP and WebSocket; video
 * comes from WebRTC (blob: / MediaStream). Product and cover images are creator-supplied http(s) URLs, so images are
 * the one thing allowed from elsewhere.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web pages domain: hosts the landing page, creator studio, viewer room and agency console. The pages themselves
 * live outside the server, in `web/` (browser code and static assets): the node serves `web/public/` and the script
 * bundles built at start-up from `web/pages/` (see build.ts). Pages obtain dev tokens from POST /api/dev/tokens and then
 * use the client SDK like any other client.
 */
export async function createWeb(ctx: HawkerContext): Promise<Domain> {
  const log = ctx.log.child({ module: 'web' });
  const router = Router();

  try {
    const started = performance.now();
    const build = await buildWeb();
    // `pages`: bytes of script each page loads (minified, before compression), when this start built them.
    log.info(
      { key: build.key, built: build.built, pages: build.pages, ms: Math.round(performance.now() - started) },
      build.built ? 'web pages built' : 'web pages up to date',
    );
    router.use('/build', express.static(build.dir, { index: false, setHeaders }));
  } catch (err) {
    // The API and media still work without the pages; say clearly why the pages do not.
    log.error({ err }, 'web pages unavailable: the page bundles could not be built');
    const message = `The web pages could not be built on this server (${(err as Error).message}). The API works; see the server log.`;
    router.use('/build', (_req, res) => {
      res.status(503).type('text/plain').send(message);
    });
  }
  router.use(express.static(PUBLIC_DIR, { extensions: ['html'], index: 'index.html', setHeaders }));
  ctx.app.use(router);
  return { name: 'web', async close() {} };
}

function setHeaders(res: ServerResponse): void {
  // Revalidate every time (ETags make that cheap): a redeploy must never pair new HTML with stale bundles.
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
}
