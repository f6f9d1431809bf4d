/**
 * The closed set of error codes on the wire. Every REST error body and every failed Socket.IO acknowledgement carries
 * one of these, so clients can switch on `code` instead of parsing messages.
 */
export const ErrorCode = {
  /** The payload failed its zod schema (shape, type, size). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** No valid token, or the token expired. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Authenticated, but this role or owner may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  /** The event name is not part of the protocol. */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  /**
   * A rate limit or slow mode refused the action; retry after `details.retryAfterMs`. `details.limit` names the limit
   * (a configuration variable, docs/security.md) when one applies.
   */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * A quota refused the action (too many rooms, connections, products...): `details.limit` names it and `details.max`
   * is its value. Nothing changed; free something up (end a room, close a tab) before retrying.
   */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /**
   * The request's body is over a size limit (an uploaded image over UPLOAD_MAX_BYTES): `details.limit` names it and
   * `details.max` is its value in bytes. Nothing was stored; send something smaller.
   */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /**
   * The body is not of a type this endpoint takes, judged by its bytes, never by its name or Content-Type (an upload that
   * is not a PNG, JPEG or WebP image: SVG, HTML...). `details.allowed` lists what is. Nothing was stored.
   */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The request conflicts with current state (e.g. room already ended). */
  CONFLICT: 'CONFLICT',
  /** A dependency (Redis, media worker) is unavailable; retry later. */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** `details` of RATE_LIMITED and QUOTA_EXCEEDED errors. */
export interface LimitDetails {
  /** The limit's name: its configuration variable (docs/security.md), e.g. `ROOMS_OPEN_PER_CREATOR`. */
  limit?: string;
  /** The limit's value. */
  max?: number;
  /** RATE_LIMITED: when a retry can succeed. */
  retryAfterMs?: number;
}

/** Wire shape of an error: what REST bodies and failed acks carry. */
export interface WireError {
  code: ErrorCode;
  message: string;
  /** Optional machine-readable details (e.g. zod issues, retryAfterMs). */
  details?: unknown;
}

/** Every client→server event is acknowledged with exactly one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };
