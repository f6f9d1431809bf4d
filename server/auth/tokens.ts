import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../kernel/errors.ts';
import { Principal } from '@hawker/protocol';

/** TOKEN_MAX_LIFETIME_S's default (server/config.ts): what a TokenService built without `maxLifetimeS` accepts. */
export const DEFAULT_TOKEN_MAX_LIFETIME_S = 7 * 24 * 3600;

/** Lifetime of a signed token when the caller asks for none (capped by the maximum lifetime). */
const DEFAULT_TTL_S = 12 * 3600;

interface CommonTokenOptions {
  issuer?: string | undefined;
  audience?: string | undefined;
  /**
   * Longest lifetime a token may have, in seconds (TOKEN_MAX_LIFETIME_S): `exp - iat`, or `exp - now` when the token has
   * no `iat`. Tokens without `exp` are refused whatever this is. Default DEFAULT_TOKEN_MAX_LIFETIME_S.
   */
  maxLifetimeS?: number | undefined;
}

/** How tokens are verified: a shared HS256 secret, or a JWKS URL (your identity provider's signing keys). */
export type TokenVerifierOptions =
  | ({ kind: 'secret'; secret: string } & CommonTokenOptions)
  | ({ kind: 'jwks'; jwksUrl: string } & CommonTokenOptions);

/**
 * Signs (shared-secret mode only: the dev signer and tests) and verifies Hawker tokens. Claims: `sub` = user id,
 * `name`, `role`, `agencyId`, and `exp` (required: a token that never expires would outlive any revocation of the
 * secret or key it was signed with), no further than `maxLifetimeS` after `iat`. A deployment with its own identity
 * provider issues tokens with these claims and points JWT_JWKS_URL at its key set; Hawker never needs the private key.
 */
export class TokenService {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  /** Longest accepted lifetime, seconds (TOKEN_MAX_LIFETIME_S). */
  readonly maxLifetimeS: number;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.key = opts.kind === 'secret' ? new TextEncoder().encode(opts.secret) : createRemoteJWKSet(new URL(opts.jwksUrl));
    this.maxLifetimeS = opts.maxLifetimeS ?? DEFAULT_TOKEN_MAX_LIFETIME_S;
  }

  get canSign(): boolean {
    return this.opts.kind === 'secret';
  }

  /**
   * Issues a token for `principal`, valid `ttlS` seconds (default 12 h, or the maximum lifetime if that is shorter). A
   * `ttlS` above the maximum lifetime is refused with BAD_REQUEST naming TOKEN_MAX_LIFETIME_S: this server would not
   * accept the token it signed.
   */
  async sign(principal: Principal, ttlS?: number): Promise<{ token: string; expiresAt: number }> {
    if (!(this.key instanceof Uint8Array)) throw AppError.conflict('This server verifies tokens from JWKS and cannot sign');
    const lifetime = ttlS ?? Math.min(DEFAULT_TTL_S, this.maxLifetimeS);
    if (lifetime > this.maxLifetimeS) {
      throw AppError.badRequest(
        `ttlS ${lifetime} is longer than this server's longest token lifetime, TOKEN_MAX_LIFETIME_S=${this.maxLifetimeS} s: ask for at most ${this.maxLifetimeS}`,
        { limit: 'TOKEN_MAX_LIFETIME_S', max: this.maxLifetimeS },
      );
    }
    const expiresAt = Math.floor(Date.now() / 1000) + lifetime;
    let jwt = new SignJWT({ name: principal.name, role: principal.role, ...(principal.agencyId ? { agencyId: principal.agencyId } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.userId)
      .setIssuedAt()
      .setExpirationTime(expiresAt);
    if (this.opts.issuer) jwt = jwt.setIssuer(this.opts.issuer);
    if (this.opts.audience) jwt = jwt.setAudience(this.opts.audience);
    return { token: await jwt.sign(this.key), expiresAt: expiresAt * 1000 };
  }

  /** Verifies signature, expiry, issuer/audience and claim shapes; throws UNAUTHENTICATED with the reason. */
  async verify(token: unknown): Promise<Principal> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw AppError.unauthenticated();
    let payload: JWTPayload;
    try {
      const verifyOpts = {
        ...(this.opts.issuer ? { issuer: this.opts.issuer } : {}),
        ...(this.opts.audience ? { audience: this.opts.audience } : {}),
        ...(this.opts.kind === 'secret' ? { algorithms: ['HS256'] } : {}),
      };
      ({ payload } =
        this.key instanceof Uint8Array ? await jwtVerify(token, this.key, verifyOpts) : await jwtVerify(token, this.key, verifyOpts));
    } catch (err) {
      throw new AppError('UNAUTHENTICATED', `Invalid token (${(err as Error).message}); get a new one and reconnect`, { cause: err });
    }
    this.checkLifetime(payload);
    const parsed = Principal.safeParse({ userId: payload.sub, name: payload.name, role: payload.role, agencyId: payload.agencyId });
    if (!parsed.success) throw AppError.unauthenticated('Token claims are malformed (need sub, name, role)');
    return parsed.data;
  }

  /**
   * Every token must expire (`exp`), and not later than TOKEN_MAX_LIFETIME_S after it was issued (`iat`; without
   * `iat`, after now), so a leaked token is useful for a bounded time. jose has already checked that `exp`, if
   * present, is a number in the future.
   */
  private checkLifetime(payload: JWTPayload): void {
    const max = this.maxLifetimeS;
    if (typeof payload.exp !== 'number') {
      throw AppError.unauthenticated(
        `Token has no exp claim: tokens must expire, at most TOKEN_MAX_LIFETIME_S=${max} s after they are issued; get one that does`,
      );
    }
    const from = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
    const lifetime = payload.exp - from;
    if (lifetime > max) {
      throw AppError.unauthenticated(
        `Token lifetime ${lifetime} s (exp minus ${typeof payload.iat === 'number' ? 'iat' : 'now, as it has no iat'}) is longer than TOKEN_MAX_LIFETIME_S=${max} s: get a shorter-lived token`,
      );
    }
  }
}
