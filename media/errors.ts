/**
 * Why a media operation was refused. media/ knows nothing of the server's error codes; the signaling layer maps these
 * one to one: `invalid` → BAD_REQUEST, `notFound` → NOT_FOUND, `conflict` → CONFLICT, `unavailable` → UNAVAILABLE,
 * `full` → QUOTA_EXCEEDED (with the limit's name and value).
 */
export type MediaErrorKind = 'invalid' | 'notFound' | 'conflict' | 'unavailable' | 'full';

/** A refused media operation, with a message meant for the client. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly kind: MediaErrorKind,
    message: string,
    options: { cause?: unknown; limit?: { name: string; max: number } } = {},
  ) {
    super(message, options);
    this.limit = options.limit;
  }

  /** `full` only: the limit that refused (its configuration variable) and its value. */
  readonly limit: { name: string; max: number } | undefined;

  static invalid(message: string, cause?: unknown): MediaError {
    return new MediaError('invalid', message, { cause });
  }
  static notFound(what: string): MediaError {
    return new MediaError('notFound', `${what} not found`);
  }
  static conflict(message: string): MediaError {
    return new MediaError('conflict', message);
  }
  static unavailable(message: string, cause?: unknown): MediaError {
    return new MediaError('unavailable', message, { cause });
  }
  /** Every worker that could take this is at `name` (a configuration variable) = `max`. */
  static full(name: string, max: number, message: string): MediaError {
    return new MediaError('full', message, { limit: { name, max } });
  }
}

/**
 * Runs a mediasoup call whose arguments came from a client (RTP parameters, capabilities, DTLS parameters). mediasoup
 * rejects bad ones with TypeError / UnsupportedError (its own checks) or a plain Error relayed from the worker; all of
 * those mean "your parameters are wrong". An InvalidStateError, or the object closing meanwhile, means it went away.
 */
export async function withClientParams<T>(what: string, target: { readonly closed: boolean }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MediaError) throw err;
    // mediasoup does not export its error classes as values; their `name` is stable.
    if ((err as Error).name === 'InvalidStateError' || target.closed)
      throw MediaError.unavailable(`${what}: media closed meanwhile; reconnect media`, err);
    throw MediaError.invalid(`${what}: ${(err as Error).message}`, err);
  }
}
