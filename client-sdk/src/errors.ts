import type { ErrorCode, WireError } from '../../server/protocol/errors.ts';

/**
 * Every failure the SDK reports: a server error (its `code` is one of the protocol's ErrorCodes), or a client-side
 * one (`NOT_CONNECTED`, `TIMEOUT`).
 *
 * @example
 * try { await room.chat('hi') } catch (e) { if (e instanceof HawkerError && e.code === 'RATE_LIMITED') wait(e.retryAfterMs) }
 */
export class HawkerError extends Error {
  override readonly name = 'HawkerError';
  constructor(
    readonly code: ErrorCode | 'NOT_CONNECTED' | 'TIMEOUT',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** For RATE_LIMITED errors: how long to wait before retrying. */
  get retryAfterMs(): number | undefined {
    const d = this.details as { retryAfterMs?: unknown } | undefined;
    return typeof d?.retryAfterMs === 'number' ? d.retryAfterMs : undefined;
  }

  static fromWire(e: WireError): HawkerError {
    return new HawkerError(e.code, e.message, e.details);
  }
}
