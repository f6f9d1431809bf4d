import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express, Request, RequestHandler } from 'express';
import type { TokenService } from '../auth/tokens.ts';
import { policy } from '../edge/policy.ts';
import type { Logger } from '../kernel/log.ts';
import { sendError } from '../edge/rest.ts';
import { boardSecurityHeaders } from '../edge/headers.ts';

/** Where Bull Board is served. */
export const BOARD_PATH = '/admin/queues';
/** Cookie holding the admin's token for the board's page loads, scoped to BOARD_PATH. */
export const BOARD_COOKIE = 'hawker_admin';

/**
 * Mounts Bull Board (the BullMQ dashboard) for admins only. A browser cannot set an Authorization header on a page
 * load, so the board accepts, in order: `Authorization: Bearer <token>` (curl, scripts); `?token=<token>` on the first
 * visit, which sets an HttpOnly, SameSite=Strict cookie scoped to the board and redirects to the same URL without the
 * token (so it does not linger in history or logs); then that cookie. The token must verify and carry role `admin`.
 */
export function mountBullBoard(app: Express, queues: Queue[], tokens: TokenService, log: Logger): void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Hawker payments' } },
  });
  // The adapter's router is an express app of its own, which would add X-Powered-By back.
  const board = adapter.getRouter() as Express;
  board.disable('x-powered-by');
  // Its own CSP (inline styles; server/edge/headers.ts), in place of the pages' one, on every board answer.
  app.use(BOARD_PATH, boardSecurityHeaders(), adminOnly(tokens, log), board as unknown as RequestHandler);
}

function adminOnly(tokens: TokenService, log: Logger): RequestHandler {
  return (req, res, next) => {
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
    const token = bearer(req) ?? fromQuery ?? cookie(req, BOARD_COOKIE);
    tokens
      .verify(token)
      .then((p) => {
        policy.require(policy.canSeeQueues(p), 'The queue dashboard is for admins only');
        if (fromQuery) {
          res.cookie(BOARD_COOKIE, fromQuery, { httpOnly: true, sameSite: 'strict', path: BOARD_PATH, secure: req.secure });
          const url = new URL(req.originalUrl, 'http://x');
          url.searchParams.delete('token');
          res.redirect(303, url.pathname + url.search);
          return;
        }
        next();
      })
      .catch((err: unknown) => sendError(res, err, log));
  };
}

function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
