import type { ErrorCode, WireError } from '@hawker/protocol';

/**
 * Failures the SDK detects itself, before or without a server answer:
 * - `NOT_CONNECTED`: the server cannot be reached, or the connection dropped (the SDK is reconnecting).
 * - `TIMEOUT`: the server did not answer in time.
 * - `CLOSED`: this object was closed, or the room ended or removed you; join again to continue.
 * - `MEDIA_UNSUPPORTED`: this environment has no WebRTC (or no camera access) for publish/watch.
 *
 * @example
 * if (e.code === 'NOT_CONNECTED') showOffline();
 */
export type ClientErrorCode = 'NOT_CONNECTED' | 'TIMEOUT' | 'CLOSED' | 'MEDIA_UNSUPPORTED';

/**
 * Every code a {@link HawkerError} can carry: the server's closed set plus the SDK's own.
 *
 * @example
 * const retryable: HawkerErrorCode[] = ['NOT_CONNECTED', 'TIMEOUT', 'UNAVAILABLE'];
 */
export type HawkerErrorCode = ErrorCode | ClientErrorCode;

/**
 * Every failure the SDK reports: a server error (its `code` is one of the protocol's ErrorCodes, with the server's
 * `details`), or a client-side one ({@link ClientErrorCode}). Switch on `code`, never on `message`.
 *
 * @example
 * try {
 *   await room.chat('hi');
 * } catch (e) {
 *   if (e instanceof HawkerError && e.code === 'RATE_LIMITED') setTimeout(retry, e.retryAfterMs ?? 1000);
 * }
 */
export class HawkerError extends Error {
  override readonly name = 'HawkerError';
  constructor(
    readonly code: HawkerErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /**
   * For RATE_LIMITED errors: how long to wait before retrying.
   *
   * @example
   * if (e.code === 'RATE_LIMITED') await sleep(e.retryAfterMs ?? 1000);
   */
  get retryAfterMs(): number | undefined {
    const d = this.details as { retryAfterMs?: unknown } | undefined;
    return typeof d?.retryAfterMs === 'number' ? d.retryAfterMs : undefined;
  }

  /**
   * A machine-readable sub-reason some errors carry in `details.reason` (e.g. `SOLD_OUT` on a refused order).
   *
   * @example
   * if (e.code === 'CONFLICT' && e.reason === 'SOLD_OUT') showSoldOut();
   */
  get reason(): string | undefined {
    const d = this.details as { reason?: unknown } | undefined;
    return typeof d?.reason === 'string' ? d.reason : undefined;
  }

  /**
   * Builds the error a server answer carried (a failed ack or a REST error body).
   *
   * @example
   * if (!ack.ok) throw HawkerError.fromWire(ack.error);
   */
  static fromWire(e: WireError): HawkerError {
    return new HawkerError(e.code, e.message, e.details);
  }
}
