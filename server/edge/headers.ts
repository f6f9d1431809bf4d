import type { RequestHandler } from 'express';
import helmet from 'helmet';

type Directives = Readonly<Record<string, readonly string[]>>;

/**
 * The pages' Content-Security-Policy: scripts, styles and fonts only from this server and never inline (the pages are
 * built to it: no inline scripts, handlers or style attributes; styles set through the CSSOM); images from this server
 * or any https host (product images are https on a public host or served here, protocol/src/common.ts ImageUrl), plus
 * data: and blob: for generated ones; media and workers from this server or blob: (an HLS player feeds a MediaSource
 * through a blob: URL and may run its demuxer in a blob: worker; WebRTC needs no CSP source); connections only to this
 * server (in CSP Level 3 'self' covers ws: and wss: to the same host and port, which Socket.IO uses). No plugins, no
 * <base> elsewhere, forms post here, and no page may be framed (clickjacking).
 */
export const PAGE_CSP: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'https:', 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Bull Board's own policy (server/payments/board.ts), as tight as its UI works with: its scripts are files served here
 * (script-src 'self', no eval), but its HTML carries a <style> element and style attributes and its React code adds
 * <style> elements, so styles need 'unsafe-inline' (styles only: scripts stay file-only). Its Google Fonts stylesheet
 * is refused on purpose (the admin page does not call a third party on every load; the system font is used instead).
 */
export const BOARD_CSP: Directives = {
  ...PAGE_CSP,
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'media-src': ["'none'"],
  'worker-src': ["'none'"],
};

/** `directives` as the header's text. */
export function cspText(directives: Directives): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

const HALF_YEAR_S = 180 * 24 * 3600;

/**
 * Security headers on every response the node's express app sends (pages, API JSON, health, errors): mounted first in
 * server/app.ts. JSON gets them too: nosniff stops a browser from running a response as script or HTML, and the CSP and
 * frame rules make an API response opened as a document inert. Headers (helmet): the page CSP; X-Content-Type-Options
 * nosniff; Referrer-Policy no-referrer (nothing here reads Referer, and room URLs should not reach image hosts);
 * Cross-Origin-Opener-Policy same-origin; Cross-Origin-Resource-Policy same-origin (the web domain opens it up for
 * images, server/web); X-Frame-Options DENY (frame-ancestors for old browsers); Strict-Transport-Security 180 days
 * without includeSubDomains (browsers ignore it over plain http; subdomains are the operator's call); Origin-Agent-Cluster;
 * X-DNS-Prefetch-Control off; X-Download-Options noopen; X-Permitted-Cross-Domain-Policies none; X-XSS-Protection 0
 * (the old filter itself leaked data); no X-Powered-By. Not sent: Cross-Origin-Embedder-Policy (require-corp would
 * block product images from hosts that send no CORP header) and upgrade-insecure-requests (it breaks plain-http
 * development and tests; production TLS is the proxy's).
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP as Record<string, string[]> },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    originAgentCluster: true,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: HALF_YEAR_S, includeSubDomains: false },
    xContentTypeOptions: true,
    xDnsPrefetchControl: { allow: false },
    xDownloadOptions: true,
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
    xPoweredBy: true,
    xXssProtection: true,
  }) as RequestHandler;
}

/** Replaces the page CSP with Bull Board's (BOARD_CSP) on the board's routes; the other headers stay. */
export function boardSecurityHeaders(): RequestHandler {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: BOARD_CSP as Record<string, string[]> }) as RequestHandler;
}

/**
 * The same hygiene for Engine.IO's own HTTP answers (the Socket.IO handshake and long-polling), which never pass
 * through express: nosniff and a CSP that allows nothing make a polling response opened as a document inert, and it
 * may not be framed or read cross-origin. server/app.ts applies them on the engine's `headers` event.
 */
export const ENGINE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
