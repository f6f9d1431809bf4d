import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '@hawker/protocol';
import { type Authenticate, restFactory, sendError } from '../edge/rest.ts';
import type { RestRefusals } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';

/** Paths the per-IP limit never applies to: the payment gateway's webhook (its own traffic, signed, not a buyer's). */
const IP_EXEMPT = new Set(['/api/payments/webhook']);

/** The REST limits, per minute: requests per signed-in user, and per client address. */
export interface RestRates {
  perUserPerMin: number;
  perIpPerMin: number;
}

/**
 * REST_RATE_PER_USER_PER_MIN and REST_RATE_PER_IP_PER_MIN, held in the node's Redis with rate-limiter-flexible (fixed
 * one-minute windows, an atomic INCR + PEXPIRE script per request), so every node of a deployment shares them. Over a
 * limit: 429, RATE_LIMITED naming it, `details.retryAfterMs`, and a `Retry-After` header (seconds). A key over its
 * limit is then refused from the node's memory until its window ends (no Redis call per refused request), and while
 * Redis is unreachable each node falls back to the same limits in its own memory rather than refusing everyone.
 *
 * Only `/api/` is limited per address (pages, bundles, health and metrics are not; neither is the payment webhook,
 * which the gateway signs). The client address is `req.ip`: the TCP peer, or with TRUSTED_PROXIES set, the address the
 * trusted proxies report in X-Forwarded-For (express `trust proxy`), so a forged header from anyone else changes
 * nothing. The per-user limit applies to authenticated `rest()` routes, after the token is verified.
 */
export class RestLimits {
  private readonly perUser: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly rates: RestRates,
    private readonly log: Logger,
    /** The REST edge (server/edge/restCuts.ts): told of every refusal, so the next ones are answered before routing. */
    private readonly edge?: RestRefusals,
  ) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}limits:rest:${name}`,
        points,
        duration: 60,
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
      });
    this.perUser = limiter('user', rates.perUserPerMin);
    this.perIp = limiter('ip', rates.perIpPerMin);
  }

  /** Express middleware: the per-address limit of `/api/` requests; mount it before every route. */
  readonly ipMiddleware: RequestHandler = (req, res, next) => {
    if (!req.path.startsWith('/api/') || IP_EXEMPT.has(req.path)) return next();
    this.consume(this.perIp, req.ip ?? req.socket.remoteAddress ?? 'unknown', {
      name: 'REST_RATE_PER_IP_PER_MIN',
      max: this.rates.perIpPerMin,
      message: 'Too many requests from your network address',
    }).then(
      () => next(),
      (err: unknown) => {
        if (err instanceof AppError) {
          setRetryAfter(res, err);
          this.edge?.refused(req, err.toWire(), 'address');
        }
        sendError(res, err, this.log, next);
      },
    );
  };

  /** Counts one request of `principal` against the per-user limit; throws RATE_LIMITED (and sets Retry-After) over it. */
  async user(principal: Principal, req: Request): Promise<void> {
    try {
      await this.consume(this.perUser, principal.userId, {
        name: 'REST_RATE_PER_USER_PER_MIN',
        max: this.rates.perUserPerMin,
        message: 'Too many requests from your account',
      });
    } catch (err) {
      if (err instanceof AppError) {
        if (req.res) setRetryAfter(req.res, err);
        this.edge?.refused(req, err.toWire(), 'user');
      }
      throw err;
    }
  }

  /**
   * `auth` with its `rest()` factory counting every authenticated request against the per-user limit (after the token
   * is verified, before the body is parsed or the handler runs). Everything else of `auth` is unchanged.
   */
  limitAuth<A extends { authenticate: Authenticate; rest: ReturnType<typeof restFactory> }>(auth: A): A {
    const authenticate: Authenticate = async (req) => {
      const principal = await auth.authenticate(req);
      await this.user(principal, req);
      return principal;
    };
    return { ...auth, rest: restFactory(authenticate, this.log) };
  }

  private async consume(limiter: RateLimiterRedis, key: string, limit: { name: string; max: number; message: string }): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterMs = Math.max(1, rejection.msBeforeNext);
      throw AppError.rateLimited(
        retryAfterMs,
        `${limit.message} (at most ${limit.max} a minute); retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        { name: limit.name, max: limit.max },
      );
    }
  }
}

/** Retry-After (whole seconds, rounded up) from a RATE_LIMITED error's retryAfterMs. */
function setRetryAfter(res: Response, err: AppError): void {
  const ms = (err.options.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
  if (ms !== undefined && !res.headersSent) res.set('Retry-After', String(Math.max(1, Math.ceil(ms / 1000))));
}
