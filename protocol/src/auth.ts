import { z } from 'zod';
import { EpochMs, Id, PlainText } from './common.ts';

/**
 * Who can do what: viewers watch, chat, like and buy; creators own their rooms; an agency's moderators act on every
 * room of that agency's creators; an agency owner manages its roster; merchants own a shop and its products (in a live
 * room a merchant is a viewer); platform admins can do everything.
 */
export const Role = z.enum(['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin']);
export type Role = z.infer<typeof Role>;

/** The identity a verified token carries. */
export const Principal = z.object({
  userId: Id,
  name: PlainText(40),
  role: Role,
  /** The agency a creator belongs to, a moderator moderates for, or an agency owner owns. */
  agencyId: Id.optional(),
});
export type Principal = z.infer<typeof Principal>;

/** POST /api/dev/tokens body (development signer; disabled when DEV_TOKENS=false). */
export const DevTokenRequest = Principal.extend({
  /**
   * Token lifetime in seconds (default 12 h, or the server's TOKEN_MAX_LIFETIME_S if shorter). Above the server's
   * TOKEN_MAX_LIFETIME_S (default 7 days) the request is refused with BAD_REQUEST (`details.limit` names it).
   */
  ttlS: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .optional(),
});
export type DevTokenRequest = z.infer<typeof DevTokenRequest>;

export const DevTokenResponse = z.object({ token: z.string(), principal: Principal, expiresAt: z.number() });
export type DevTokenResponse = z.infer<typeof DevTokenResponse>;

/** POST /api/users/:userId/revoke path parameters (admins: sign a user out everywhere). */
export const RevokeSessionsParams = z.strictObject({ userId: Id });
export type RevokeSessionsParams = z.infer<typeof RevokeSessionsParams>;

/**
 * POST /api/users/:userId/revoke answer: every token of the user issued at or before `revokedBefore` (its `iat`, whole
 * seconds) is refused from now on, by REST and socket handshakes, on every node; their open connections were told
 * (`session:revoked`) and disconnected. A token issued later (a new sign-in, a re-issued token carrying a changed role)
 * works.
 */
export const RevokeSessionsResult = z.object({ userId: Id, revokedBefore: EpochMs });
export type RevokeSessionsResult = z.infer<typeof RevokeSessionsResult>;

/**
 * Pushed to every open connection of a user whose sessions an admin revoked ("sign out everywhere"), just before the
 * server disconnects it. The connection's token is refused from now on: sign in again for a new one. `reason` is the
 * typed cause (pages translate it); `message` says it in English.
 */
export const SessionRevoked = z.object({ reason: z.enum(['signedOut']), message: z.string() });
export type SessionRevoked = z.infer<typeof SessionRevoked>;

/**
 * Pushed once to a connection the server cuts for sending far past its budget (SOCKET_CUT_REFUSALS `RATE_LIMITED`
 * answers within SOCKET_CUT_WINDOW_MS, docs/security.md), just before it disconnects it: a `RATE_LIMITED` error naming
 * the limit. The user's new connections are refused with `RATE_LIMITED` (connect_error) on every node for
 * `details.retryAfterMs`. A client that waits out its `RATE_LIMITED` answers (the SDK does) never gets this.
 */
export const ConnectionCut = z.object({
  code: z.literal('RATE_LIMITED'),
  message: z.string(),
  details: z.object({ limit: z.string(), max: z.number().int(), retryAfterMs: z.number().int() }),
});
export type ConnectionCut = z.infer<typeof ConnectionCut>;
