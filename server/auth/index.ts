import type { Request } from 'express';
import { decodeJwt } from 'jose';
import type { HawkerContext } from '../kernel/context.ts';
import { AppError, answerFor } from '../kernel/errors.ts';
import type { Authenticate } from '../edge/rest.ts';
import { restFactory } from '../edge/rest.ts';
import { policy } from '../edge/policy.ts';
import { DevTokenRequest, RevokeSessionsParams, type Principal, type RevokeSessionsResult } from '@hawker/protocol';
import { TokenService } from './tokens.ts';
import { LiveSessions } from './sessions.ts';

export { TokenService } from './tokens.ts';
export { LiveSessions, type PrincipalChange, type RefreshReason, type SessionListener } from './sessions.ts';

/**
 * Identity at the edges: REST requests carry `Authorization: Bearer <token>`, Socket.IO connections send
 * `auth: { token }`. In development (DEV_TOKENS=true) POST /api/dev/tokens mints tokens so the demo needs no identity
 * provider; production deployments turn that off and verify their own tokens (JWT_SECRET or JWT_JWKS_URL).
 */
export function createAuth(ctx: HawkerContext, opts: AuthOptions = {}) {
  const { config, log, app, io } = ctx;
  const refine = opts.refine ?? (async (p: Principal) => p);
  // Every token must carry exp, at most TOKEN_MAX_LIFETIME_S after iat (server/auth/tokens.ts); the dev signer refuses
  // a longer ttlS for the same reason.
  const maxLifetimeS = config.TOKEN_MAX_LIFETIME_S;
  const tokens = new TokenService(
    config.JWT_JWKS_URL
      ? { kind: 'jwks', jwksUrl: config.JWT_JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, maxLifetimeS }
      : { kind: 'secret', secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, maxLifetimeS },
  );

  const sessions = new LiveSessions(ctx, refine);

  /**
   * A verified token's claims, when it was issued, and the principal they resolve to now, refusing a token its user's
   * sessions were revoked after (sessions.ts). The roster and the cut-off are read in parallel: one round trip.
   */
  const identify = async (token: unknown): Promise<{ claims: Principal; issuedAtS: number; principal: Principal }> => {
    const claims = await tokens.verify(token);
    const issuedAtS = issuedAt(token as string, config.TOKEN_MAX_LIFETIME_S);
    const [principal, notBefore] = await Promise.all([refine(claims), sessions.notBefore(claims.userId)]);
    sessions.check(issuedAtS, notBefore);
    return { claims, issuedAtS, principal };
  };

  const authenticate: Authenticate = async (req: Request): Promise<Principal> => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw AppError.unauthenticated('Send Authorization: Bearer <token>');
    return (await identify(header.slice(7))).principal;
  };
  const rest = restFactory(authenticate, log);

  // Sign out everywhere (admins): the user's tokens issued so far are refused from now on, by REST and sockets on every
  // node, and their open connections are told and disconnected. A role changed at the identity provider takes effect
  // this way: the provider issues new tokens, and this revokes the ones carrying the old role.
  app.post(
    '/api/users/:userId/revoke',
    rest({ params: RevokeSessionsParams }, async ({ params, principal }): Promise<RevokeSessionsResult> => {
      policy.require(policy.canRevokeSessions(principal), "Only platform admins can revoke a user's sessions");
      return { userId: params.userId, revokedBefore: await sessions.revokeAll(params.userId) };
    }),
  );

  if (config.DEV_TOKENS) {
    app.post(
      '/api/dev/tokens',
      rest({ body: DevTokenRequest, auth: false, status: 201 }, async ({ body }) => {
        const { ttlS, ...principal } = body;
        const { token, expiresAt } = await tokens.sign(principal, ttlS);
        return { token, principal, expiresAt };
      }),
    );
  }

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const started = performance.now();
    identify(token).then(
      ({ claims, issuedAtS, principal }) => {
        socket.data.principal = principal;
        socket.data.claims = claims;
        socket.data.issuedAtS = issuedAtS;
        socket.data.rooms ??= new Set();
        sessions.identified(socket, started);
        next();
      },
      (err: unknown) => {
        // The client sees connect_error with err.data = { code, message }.
        const e = new Error((err as Error).message) as Error & { data?: unknown };
        e.data = answerFor(err, log, { handshake: socket.id }, 'socket authentication').toWire();
        next(e);
      },
    );
  });

  return { tokens, authenticate, rest, sessions };
}
export type Auth = ReturnType<typeof createAuth>;

export interface AuthOptions {
  /**
   * Turns a verified token's claims into the principal every access check sees (e.g. the agency roster confirms or
   * drops an agency claim). Runs on every REST request and on every socket connection.
   */
  refine?: (claims: Principal) => Promise<Principal>;
}

/**
 * When a verified token was issued, in epoch seconds: its `iat`; without one, the earliest it can have been issued
 * (`exp` minus the longest lifetime accepted), so a revocation cut-off never lets an older token through; with neither,
 * 0 (any cut-off refuses it).
 */
function issuedAt(token: string, maxLifetimeS: number): number {
  const { iat, exp } = decodeJwt(token);
  if (typeof iat === 'number') return iat;
  return typeof exp === 'number' ? exp - maxLifetimeS : 0;
}
