import type { RequestHandler, Response } from 'express';
import { ErrorCode, type LimitDetails, type WireError } from '@hawker/protocol';
import type { RestRefusals } from '../kernel/context.ts';
import { DenyCache } from '../kernel/denyCache.ts';
import type { RefusalLog } from '../kernel/refusalLog.ts';

/** Paths never refused at the edge: the payment gateway's webhook (its own traffic, signed, not a buyer's). */
export const REST_EDGE_EXEMPT: ReadonlySet<string> = new Set(['/api/payments/webhook']);

export interface RestCutLimits {
  /** REST_CUT_REFUSALS */
  refusals: number;
  /** REST_CUT_WINDOW_MS */
  windowMs: number;
  /** REST_CUT_COOLDOWN_MS */
  cooldownMs: number;
}

/** Client addresses and tokens remembered as over budget, and addresses whose refusals are being counted (each bounded). */
const REMEMBERED = 10_000;

/**
 * The cheap path for REST clients already known to be over budget, mounted right after the security headers (before
 * body parsing, routing, token verification or any Redis call), for `/api/` requests:
 *
 * - an address the per-address limit (REST_RATE_PER_IP_PER_MIN) refused is refused here until its window ends, and a
 *   token (the exact `Authorization` header) the per-user limit refused likewise: the same answer the limiter would
 *   give, without asking it;
 * - an address refused REST_CUT_REFUSALS times within REST_CUT_WINDOW_MS (any of those refusals: it keeps sending
 *   after 429s) is cut: every `/api/` request from it is refused for REST_CUT_COOLDOWN_MS, naming REST_CUT_REFUSALS.
 *
 * Every answer is 429 RATE_LIMITED with `details.retryAfterMs` and a `Retry-After` header (seconds), written directly.
 * Refusals are counted (RefusalLog), never logged one by one. All of it is node-local and bounded; the limiters behind
 * it (Redis, shared by every node) stay the authority.
 */
export class RestCuts implements RestRefusals {
  private readonly addresses = new DenyCache<WireError>(REMEMBERED);
  private readonly tokens = new DenyCache<WireError>(REMEMBERED);
  /** Per address: refusals in its current window (insertion order = eviction order). */
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limits: RestCutLimits,
    private readonly refusals: RefusalLog,
  ) {}

  readonly middleware: RequestHandler = (req, res, next) => {
    if (!req.path.startsWith('/api/') || REST_EDGE_EXEMPT.has(req.path)) return next();
    const now = Date.now();
    const address = clientAddress(req);
    const cut = this.addresses.get(address, now);
    if (cut) return this.refuse(res, address, cut.value, cut.msLeft, now);
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const over = this.tokens.get(auth, now);
      if (over) return this.refuse(res, address, over.value, over.msLeft, now);
    }
    next();
  };

  /**
   * A limiter refused `req` with `error` (RATE_LIMITED with retryAfterMs): `by` says which. Remembers the refusal for
   * its remaining window and counts it toward the address's cut. The limiter's own answer is still sent by its caller.
   */
  refused(req: Parameters<RestRefusals['refused']>[0], error: WireError, by: 'address' | 'user'): void {
    const now = Date.now();
    const retryAfterMs = (error.details as LimitDetails | undefined)?.retryAfterMs ?? 1_000;
    const address = clientAddress(req);
    if (by === 'address') this.addresses.deny(address, now + retryAfterMs, error);
    else if (req.headers.authorization !== undefined) this.tokens.deny(req.headers.authorization, now + retryAfterMs, error);
    this.count(address, (error.details as LimitDetails | undefined)?.limit ?? 'REST', now);
  }

  /** Whether `address` is cut now, and for how long (tests and diagnostics). */
  cutMs(address: string): number {
    const e = this.addresses.get(address);
    return e && (e.value.details as LimitDetails | undefined)?.limit === 'REST_CUT_REFUSALS' ? e.msLeft : 0;
  }

  private refuse(res: Response, address: string, error: WireError, msLeft: number, now: number): void {
    const limit = (error.details as LimitDetails | undefined)?.limit ?? 'REST';
    this.count(address, limit, now);
    const retryAfterMs = Math.max(1, Math.ceil(msLeft));
    const body = JSON.stringify({ error: { ...error, details: { ...(error.details as LimitDetails), retryAfterMs } } });
    res.statusCode = 429;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  private count(address: string, limit: string, now: number): void {
    this.refusals.count(limit);
    let w = this.windows.get(address);
    if (!w || now - w.start >= this.limits.windowMs) {
      this.windows.delete(address);
      if (this.windows.size >= REMEMBERED) {
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
      w = { start: now, count: 0 };
      this.windows.set(address, w);
    }
    if (++w.count !== this.limits.refusals) return;
    // Far past its budget: cut. Counting goes on (it does not extend the cut); the next window starts afresh.
    const { refusals, windowMs, cooldownMs } = this.limits;
    this.addresses.deny(address, now + cooldownMs, {
      code: ErrorCode.RATE_LIMITED,
      message: `Your network address kept sending after ${refusals} refusals within ${Math.round(windowMs / 1000)} s (REST_CUT_REFUSALS); retry in ${Math.ceil(cooldownMs / 1000)} s and honour Retry-After`,
      details: { limit: 'REST_CUT_REFUSALS', max: refusals, retryAfterMs: cooldownMs } satisfies LimitDetails,
    });
    this.refusals.cut('REST_CUT_REFUSALS', address);
  }
}

/** The client address as express sees it (TRUSTED_PROXIES applied): what REST_RATE_PER_IP_PER_MIN counts. */
function clientAddress(req: { ip?: string | undefined; socket: { remoteAddress?: string | undefined } }): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
