import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_MAX_LIFETIME_S, TokenService } from '../../../server/auth/tokens.ts';
import { AppError } from '../../../server/kernel/errors.ts';

// Made at run time: a literal would have to be listed among the published secrets production refuses.
const SECRET = randomBytes(32).toString('hex');
const HOUR = 3600;
const now = () => Math.floor(Date.now() / 1000);

/** A token with exactly the time claims given (none left out or added by a helper). */
function signRaw(times: { iat?: number; exp?: number }): Promise<string> {
  return new SignJWT({ name: 'Ann', role: 'viewer', ...times })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u1')
    .sign(new TextEncoder().encode(SECRET));
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('verify: tokens must carry exp, no further than TOKEN_MAX_LIFETIME_S after iat', () => {
  const tokens = new TokenService({ kind: 'secret', secret: SECRET, maxLifetimeS: 24 * HOUR });

  it('accepts a token with exp within the limit (with iat, and without iat counting from now)', async () => {
    await expect(tokens.verify(await signRaw({ iat: now(), exp: now() + HOUR }))).resolves.toMatchObject({ userId: 'u1' });
    await expect(tokens.verify(await signRaw({ iat: now() - HOUR, exp: now() + 23 * HOUR }))).resolves.toMatchObject({ userId: 'u1' });
    await expect(tokens.verify(await signRaw({ exp: now() + 24 * HOUR - 5 }))).resolves.toMatchObject({ userId: 'u1' });
  });

  it('refuses a token without exp, naming the rule', async () => {
    for (const times of [{}, { iat: now() }]) {
      const err = await refusal(tokens.verify(await signRaw(times)));
      expect(err.code).toBe('UNAUTHENTICATED');
      expect(err.message).toMatch(/no exp claim/);
      expect(err.message).toMatch(/TOKEN_MAX_LIFETIME_S=86400/);
    }
  });

  it('refuses exp minus iat above the limit, even when little of it is left', async () => {
    const err = await refusal(tokens.verify(await signRaw({ iat: now() - 30 * HOUR, exp: now() + HOUR })));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toMatch(/lifetime 111600 s \(exp minus iat\) is longer than TOKEN_MAX_LIFETIME_S=86400 s/);
  });

  it('refuses exp minus now above the limit when there is no iat', async () => {
    const err = await refusal(tokens.verify(await signRaw({ exp: now() + 25 * HOUR })));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toMatch(/exp minus now, as it has no iat\) is longer than TOKEN_MAX_LIFETIME_S=86400 s/);
  });

  it('still refuses an expired token', async () => {
    const err = await refusal(tokens.verify(await signRaw({ iat: now() - 2 * HOUR, exp: now() - HOUR })));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toMatch(/exp/);
  });

  it('without maxLifetimeS, the limit is the setting default (7 days)', async () => {
    const plain = new TokenService({ kind: 'secret', secret: SECRET });
    expect(plain.maxLifetimeS).toBe(DEFAULT_TOKEN_MAX_LIFETIME_S);
    expect(DEFAULT_TOKEN_MAX_LIFETIME_S).toBe(7 * 24 * HOUR);
    await expect(plain.verify(await signRaw({ iat: now(), exp: now() + 7 * 24 * HOUR }))).resolves.toBeTruthy();
    await refusal(plain.verify(await signRaw({ iat: now(), exp: now() + 7 * 24 * HOUR + 1 })));
  });
});

describe('sign: never mints a token this server would refuse', () => {
  const tokens = new TokenService({ kind: 'secret', secret: SECRET, maxLifetimeS: HOUR });
  const ann = { userId: 'u1', name: 'Ann', role: 'viewer' } as const;

  it('defaults to 12 h, capped at the limit, and the token verifies', async () => {
    const { token, expiresAt } = await tokens.sign(ann);
    expect(Math.abs(expiresAt - (Date.now() + HOUR * 1000))).toBeLessThan(5_000);
    await expect(tokens.verify(token)).resolves.toMatchObject(ann);
    const roomy = new TokenService({ kind: 'secret', secret: SECRET, maxLifetimeS: 7 * 24 * HOUR });
    expect(Math.abs((await roomy.sign(ann)).expiresAt - (Date.now() + 12 * HOUR * 1000))).toBeLessThan(5_000);
  });

  it('refuses a ttlS above the limit with BAD_REQUEST naming TOKEN_MAX_LIFETIME_S', async () => {
    const err = await refusal(tokens.sign(ann, HOUR + 1));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/TOKEN_MAX_LIFETIME_S=3600 s: ask for at most 3600/);
    expect(err.toWire().details).toEqual({ limit: 'TOKEN_MAX_LIFETIME_S', max: HOUR });
    await expect(tokens.sign(ann, HOUR)).resolves.toMatchObject({ token: expect.any(String) });
  });
});
