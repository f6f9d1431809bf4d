import type { Logger } from './log.ts';
import { ErrorCode, type LimitDetails, type WireError } from '@hawker/protocol';

const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_EVENT: 400,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * The one error type the server throws on purpose. Anything else that reaches an edge handler is a bug: it is logged
 * with its stack and turned into `INTERNAL` without leaking internals to the client.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { cause?: unknown; details?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toWire(): WireError {
    return this.options.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.options.details };
  }

  /**
   * An AppError without a stack trace, for refusals that are answers, not faults, and can come by the thousand per
   * second (a flash sale's SOLD_OUT, a flood of rate-limited packets): their stack is never logged, and capturing one
   * each time was a visible share of the node's CPU under load.
   */
  static answer(code: ErrorCode, message: string, options: { details?: unknown } = {}): AppError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new AppError(code, message, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  static badRequest(message: string, details?: unknown): AppError {
    return new AppError(ErrorCode.BAD_REQUEST, message, { details });
  }
  static unauthenticated(message = 'Sign in first: send a valid token'): AppError {
    return new AppError(ErrorCode.UNAUTHENTICATED, message);
  }
  static forbidden(message = 'You are not allowed to do this'): AppError {
    return new AppError(ErrorCode.FORBIDDEN, message);
  }
  static notFound(what: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
  }
  static conflict(message: string): AppError {
    return new AppError(ErrorCode.CONFLICT, message);
  }
  /** `limit`: the limit's name (its configuration variable, docs/security.md) and value, when one applies. */
  static rateLimited(retryAfterMs: number, message = 'Too fast: slow down', limit?: { name: string; max: number }): AppError {
    const details: LimitDetails = limit ? { limit: limit.name, max: limit.max, retryAfterMs } : { retryAfterMs };
    return AppError.answer(ErrorCode.RATE_LIMITED, message, { details });
  }
  /**
   * A quota is used up: `name` is the limit (its configuration variable), `max` its value; `message` says what to do
   * (e.g. "end one of your rooms first").
   */
  /** A body over the size limit `name` (`max` bytes): 413, `details.limit` and `details.max`. */
  static payloadTooLarge(name: string, max: number, message: string): AppError {
    return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, message, { details: { limit: name, max } satisfies LimitDetails });
  }
  /** A body whose bytes are none of the types `allowed`: 415. */
  static unsupportedMediaType(message: string, allowed: readonly string[]): AppError {
    return new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message, { details: { allowed } });
  }
  static quotaExceeded(name: string, max: number, message: string): AppError {
    const details: LimitDetails = { limit: name, max };
    return new AppError(ErrorCode.QUOTA_EXCEEDED, message, { details });
  }
  static unavailable(message: string, cause?: unknown): AppError {
    return new AppError(ErrorCode.UNAVAILABLE, message, { cause });
  }
}

/**
 * ioredis errors that mean "Redis is unreachable right now" (not a bug): commands that ran out of retries while
 * disconnected, or were cut by a closing connection. Clients get UNAVAILABLE and can retry, not INTERNAL.
 */
function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null;
  if (!e || typeof e.message !== 'string') return false;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    e.message === 'Connection is closed.' ||
    /ECONNREFUSED|ECONNRESET|Stream isn't writeable/.test(e.message)
  );
}

/**
 * pg errors that mean "PostgreSQL is unreachable right now": connection failures (class 08), shutdown or not yet
 * accepting (57P01-57P03), resource exhaustion (class 53), a statement timeout (57014), socket errors, and the pool
 * giving up waiting for a connection.
 */
export function isPostgresUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^08|^53|^57P0[123]$|^57014$/.test(code)) return true;
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH)$/.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|Client was closed|Cannot use a pool after calling end/i.test(
    message,
  );
}

/** Normalises anything thrown to an AppError: AppErrors as they are, Redis outages as UNAVAILABLE, the rest INTERNAL. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isRedisUnavailable(err)) return AppError.unavailable('Storage is briefly unavailable; retry in a moment', err);
  if (isPostgresUnavailable(err))
    return AppError.unavailable('The order ledger is briefly unavailable; nothing was charged or kept; retry in a moment', err);
  return new AppError(ErrorCode.INTERNAL, 'Internal error; it has been logged. Retry, and report it if it persists', { cause: err });
}

/**
 * What an edge (socket handler, REST route) answers for anything a handler threw, logging what an operator must see:
 * a bug (INTERNAL) at error level with its stack; a Redis outage at warn, one line without a stack, because until
 * Redis is back every request fails the same way and a stack per request would bury the log.
 */
export function answerFor(err: unknown, log: Logger, context: Record<string, unknown>, where: string): AppError {
  const appErr = asAppError(err);
  if (err instanceof AppError) return appErr;
  if (appErr.code === ErrorCode.UNAVAILABLE)
    log.warn({ ...context, err: (err as Error).message }, `storage (Redis or PostgreSQL) unavailable in ${where}; answered UNAVAILABLE`);
  else log.error({ ...context, err }, `unhandled error in ${where}`);
  return appErr;
}
