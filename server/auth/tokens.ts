import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../kernel/errors.ts';
import { Principal } from '@hawker/protocol';

/** How tokens are verified: a shared HS256 secret, or a JWKS URL (your identity provider's signing keys). */
export type TokenVerifierOptions =
  | { kind: 'secret'; secret: string; issuer?: string | undefined; audience?: string | undefined }
  | { kind: 'jwks'; jwksUrl: string; issuer?: string | undefined; audience?: string | undefined };

/**
 * Signs (shared-secret mode only: the dev signer and tests) and verifies Hawker tokens. Claims: `sub` = user id,
 * `name`, `role`, `agencyId`. A deployment with its own identity provider issues tokens with these claims and points
 * JWT_JWKS_URL at its key set; Hawker never needs the private key.
 */
export class TokenService {
  private readonly key: Uint8Array | JWTVerifyGetKey;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.key = opts.kind === 'secret' ? new TextEncoder().encode(opts.secret) : createRemoteJWKSet(new URL(opts.jwksUrl));
  }

  get canSign(): boolean {
    return this.opts.kind === 'secret';
  }

  /** Issues a token for `principal`, valid `ttlS` seconds. */
  async sign(principal: Principal, ttlS = 12 * 3600): Promise<{ token: string; expiresAt: number }> {
    if (!(this.key instanceof Uint8Array)) throw AppError.conflict('This server verifies tokens from JWKS and cannot sign');
    const expiresAt = Math.floor(Date.now() / 1000) + ttlS;
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
    const parsed = Principal.safeParse({ userId: payload.sub, name: payload.name, role: payload.role, agencyId: payload.agencyId });
    if (!parsed.success) throw AppError.unauthenticated('Token claims are malformed (need sub, name, role)');
    return parsed.data;
  }
}
