import type { Request } from 'express';
import type { HawkerContext } from '../kernel/context.ts';
import { AppError, answerFor } from '../kernel/errors.ts';
import type { Authenticate } from '../edge/rest.ts';
import { restFactory } from '../edge/rest.ts';
import { DevTokenRequest, type Principal } from '@hawker/protocol';
import { TokenService } from './tokens.ts';

export { TokenService } from './tokens.ts';

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

  const authenticate: Authenticate = async (req: Request): Promise<Principal> => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw AppError.unauthenticated('Send Authorization: Bearer <token>');
    return refine(await tokens.verify(header.slice(7)));
  };
  const rest = restFactory(authenticate, log);

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
    tokens
      .verify(token)
      .then(refine)
      .then(
        (principal) => {
          socket.data.principal = principal;
          socket.data.rooms ??= new Set();
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

  return { tokens, authenticate, rest };
}
export type Auth = ReturnType<typeof createAuth>;

export interface AuthOptions {
  /**
   * Turns a verified token's claims into the principal every access check sees (e.g. the agency roster confirms or
   * drops an agency claim). Runs on every REST request and on every socket connection.
   */
  refine?: (claims: Principal) => Promise<Principal>;
}
