/**
 * NODE_ENV=production fails closed (server/config.ts, productionProblems): pure loadConfig unit tests, no services.
 * Secrets here are generated at run time, so this file publishes none.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';
import { isPublishedSecret, PUBLISHED_SECRETS } from '../../../server/kernel/publishedSecrets.ts';
import { productionEnv, random } from './productionEnv.ts';

/** The ConfigError loadConfig throws for `env` (fails the test if it does not throw one). */
function refusal(env: Record<string, string | undefined>): string {
  let err: unknown;
  try {
    loadConfig(env);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg.split('\n')).toHaveLength(1);
  return msg;
}

/** Production with `overrides` (undefined removes a variable) must be refused, naming `variable`. */
function expectRefused(overrides: Record<string, string | undefined>, variable: string, also?: RegExp): string {
  const env: Record<string, string | undefined> = { ...productionEnv(), ...overrides };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const msg = refusal(env);
  expect(msg).toContain(variable);
  if (also) expect(msg).toMatch(also);
  return msg;
}

describe('production accepts', () => {
  it('a fully configured environment, with dev tokens off', () => {
    const c = loadConfig(productionEnv());
    expect(c.DEV_TOKENS).toBe(false);
    expect(c.ALLOW_EMBEDDED_SERVICES).toBe(false);
    expect(c.ALLOW_SANDBOX_GATEWAY).toBe(false);
  });

  it('JWT_JWKS_URL instead of JWT_SECRET', () => {
    const { JWT_SECRET: _unused, ...env } = productionEnv();
    expect(loadConfig({ ...env, JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json' }).JWT_JWKS_URL).toBeDefined();
  });

  it('secrets of exactly 32 characters and DEV_TOKENS=false', () => {
    expect(() =>
      loadConfig({ ...productionEnv(), JWT_SECRET: random(16), PAYMENT_WEBHOOK_SECRET: random(16), DEV_TOKENS: 'false' }),
    ).not.toThrow();
  });

  it('embedded Redis and PostgreSQL with ALLOW_EMBEDDED_SERVICES=true', () => {
    const { REDIS_URL: _r, DATABASE_URL: _d, ...env } = productionEnv();
    const c = loadConfig({ ...env, ALLOW_EMBEDDED_SERVICES: 'true' });
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('no PAYMENT_GATEWAY_URL with ALLOW_SANDBOX_GATEWAY=true', () => {
    const { PAYMENT_GATEWAY_URL: _g, ...env } = productionEnv();
    expect(loadConfig({ ...env, ALLOW_SANDBOX_GATEWAY: 'true' }).PAYMENT_GATEWAY_URL).toBeUndefined();
  });
});

describe('production refuses', () => {
  it('no PAYMENT_GATEWAY_URL (npm start would launch the sandbox gateway)', () => {
    expectRefused({ PAYMENT_GATEWAY_URL: undefined }, 'PAYMENT_GATEWAY_URL', /set PAYMENT_GATEWAY_URL to your payment provider/);
    expectRefused({ PAYMENT_GATEWAY_URL: '' }, 'PAYMENT_GATEWAY_URL'); // empty means unset
  });

  it.each(['JWT_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'PAYMENT_GATEWAY_API_KEY'])('%s unset (the development default)', (name) => {
    expectRefused({ [name]: undefined }, name, /unset/);
    expectRefused({ [name]: '' }, name, /unset/);
  });

  it.each(['JWT_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'PAYMENT_GATEWAY_API_KEY'])('%s equal to the development default', (name) => {
    const defaults = loadConfig({}); // development: the defaults themselves
    const value = String(defaults[name as 'JWT_SECRET' | 'PAYMENT_WEBHOOK_SECRET' | 'PAYMENT_GATEWAY_API_KEY']);
    expectRefused({ [name]: value }, name, /published/);
  });

  // Every published value, whatever its length (short ones are refused by the schema's minimum or the 32-char rule).
  describe.each(['JWT_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'PAYMENT_GATEWAY_API_KEY'])('%s equal to a published value', (name) => {
    it.each([...PUBLISHED_SECRETS])('%s', (value) => {
      expectRefused({ [name]: value }, name);
    });
  });

  it.each([
    ['JWT_SECRET', 'a-long-production-secret'.toUpperCase()],
    ['PAYMENT_WEBHOOK_SECRET', ' whsec_test_hawker_secret '],
    ['JWT_SECRET', `change-me-${random(16)}`],
    ['PAYMENT_GATEWAY_API_KEY', 'CHANGE_ME_PLEASE'],
  ])('%s=%j: a published value in another case, padded, or a lengthened placeholder', (name, value) => {
    expectRefused({ [name]: value }, name, /published/);
  });

  it.each(['JWT_SECRET', 'PAYMENT_WEBHOOK_SECRET'])('%s shorter than 32 characters', (name) => {
    const value = random(16).slice(0, 31);
    const msg = expectRefused({ [name]: value }, name, /31 characters, fewer than 32/);
    expect(msg).not.toContain(value); // the secret itself is never echoed
  });

  it.each(['true', '1'])('DEV_TOKENS=%s', (value) => {
    expectRefused({ DEV_TOKENS: value }, 'DEV_TOKENS');
  });

  it('the embedded Redis (REDIS_URL unset) without ALLOW_EMBEDDED_SERVICES', () => {
    expectRefused({ REDIS_URL: undefined }, 'REDIS_URL', /ALLOW_EMBEDDED_SERVICES=true/);
    expectRefused({ REDIS_URL: undefined, ALLOW_EMBEDDED_SERVICES: 'false' }, 'REDIS_URL');
  });

  it('the embedded PostgreSQL (DATABASE_URL unset) without ALLOW_EMBEDDED_SERVICES', () => {
    expectRefused({ DATABASE_URL: undefined }, 'DATABASE_URL', /ALLOW_EMBEDDED_SERVICES=true/);
    expectRefused({ DATABASE_URL: undefined, ALLOW_EMBEDDED_SERVICES: 'false' }, 'DATABASE_URL');
  });

  it('a published password inside DATABASE_URL or REDIS_URL', () => {
    expectRefused({ DATABASE_URL: 'postgres://hawker:change-me-openssl-rand-hex-32@postgres:5432/hawker' }, 'DATABASE_URL', /password/);
    expectRefused({ REDIS_URL: 'redis://:change-me@redis:6379' }, 'REDIS_URL', /password/);
  });

  it('several problems at once: one line, each variable named, separated by "; "', () => {
    const msg = refusal({ NODE_ENV: 'production', DEV_TOKENS: 'true' });
    for (const name of [
      'PAYMENT_GATEWAY_URL',
      'JWT_SECRET',
      'PAYMENT_WEBHOOK_SECRET',
      'PAYMENT_GATEWAY_API_KEY',
      'DEV_TOKENS',
      'REDIS_URL',
      'DATABASE_URL',
    ]) {
      expect(msg).toContain(name);
    }
    expect(msg.split('; ').length).toBeGreaterThanOrEqual(7);
  });
});

describe('media storage (MEDIA_STORAGE=s3)', () => {
  const s3 = (): Record<string, string> => ({
    MEDIA_STORAGE: 's3',
    MEDIA_S3_ENDPOINT: 'https://s3.internal.example.com',
    MEDIA_S3_BUCKET: 'hawker-media',
    MEDIA_S3_ACCESS_KEY_ID: `AK${random(8)}`,
    MEDIA_S3_SECRET_ACCESS_KEY: random(),
  });

  it('production accepts an https endpoint with its own key, and plain http to this machine', () => {
    expect(loadConfig({ ...productionEnv(), ...s3() }).MEDIA_STORAGE).toBe('s3');
    expect(loadConfig({ ...productionEnv(), ...s3(), MEDIA_S3_ENDPOINT: 'http://127.0.0.1:9000' }).MEDIA_S3_ENDPOINT).toBe(
      'http://127.0.0.1:9000',
    );
  });

  it('every environment refuses s3 without its bucket or credentials, naming each', () => {
    for (const name of ['MEDIA_S3_BUCKET', 'MEDIA_S3_ACCESS_KEY_ID', 'MEDIA_S3_SECRET_ACCESS_KEY']) {
      const env = { ...s3(), [name]: undefined };
      expect(refusal(env)).toContain(name);
      expectRefused({ ...s3(), [name]: undefined }, name);
    }
  });

  it('production refuses plain http to another machine, and a default key (s3rver, MinIO)', () => {
    expectRefused({ ...s3(), MEDIA_S3_ENDPOINT: 'http://minio.internal:9000' }, 'MEDIA_S3_ENDPOINT', /https/);
    expectRefused({ ...s3(), MEDIA_S3_SECRET_ACCESS_KEY: 'minioadmin' }, 'MEDIA_S3_SECRET_ACCESS_KEY');
    expectRefused({ ...s3(), MEDIA_S3_SECRET_ACCESS_KEY: 'S3RVER' }, 'MEDIA_S3_SECRET_ACCESS_KEY');
    // Outside production the same is allowed (tests and a laptop's MinIO).
    const dev = { ...s3(), MEDIA_S3_ENDPOINT: 'http://minio.internal:9000', MEDIA_S3_SECRET_ACCESS_KEY: 'minioadmin' };
    expect(loadConfig(dev).MEDIA_S3_ENDPOINT).toBe('http://minio.internal:9000');
  });

  it('refuses a retention or quota out of range, naming the variable', () => {
    expect(refusal({ RECORDING_RETENTION_DAYS: '-1' })).toContain('RECORDING_RETENTION_DAYS');
    expect(refusal({ MEDIA_QUOTA_BYTES_PER_AGENCY: '10' })).toContain('MEDIA_QUOTA_BYTES_PER_AGENCY');
    expect(refusal({ MEDIA_S3_PREFIX: '../x' })).toContain('MEDIA_S3_PREFIX');
  });
});

describe('outside production nothing changes', () => {
  it('no variables at all: development defaults, dev tokens on, sandbox and embedded services', () => {
    const c = loadConfig({});
    expect(c.DEV_TOKENS).toBe(true);
    expect(c.JWT_SECRET).toBe('hawker-dev-secret-change-me');
    expect(c.PAYMENT_GATEWAY_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it.each(['development', 'test', 'staging'])('NODE_ENV=%s with published secrets and DEV_TOKENS=true', (nodeEnv) => {
    const c = loadConfig({
      NODE_ENV: nodeEnv,
      JWT_SECRET: 'whsec_test_hawker_secret',
      PAYMENT_WEBHOOK_SECRET: 'whsec_test_hawker_secret',
      DEV_TOKENS: 'true',
    });
    expect(c.DEV_TOKENS).toBe(true);
  });
});

describe('the published list is complete', () => {
  const root = path.resolve(import.meta.dirname, '../../..');

  it(".env.example's secrets are placeholders production refuses", () => {
    const lines = readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
    const secrets = lines.map((l) => /^(\w*(?:SECRET|KEY|PASSWORD)\w*)=(.*)$/.exec(l)).filter((m) => m !== null);
    expect(secrets.map((m) => m[1]).sort()).toEqual([
      'JWT_SECRET',
      'PAYMENT_GATEWAY_API_KEY',
      'PAYMENT_WEBHOOK_SECRET',
      'POSTGRES_PASSWORD',
    ]);
    for (const m of secrets) expect(isPublishedSecret(m[2]!), `${m[1]}=${m[2]}`).toBe(true);
  });

  it('docker-compose.yml has no fallback value for a secret', () => {
    const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).not.toMatch(/\$\{\w*(SECRET|KEY|PASSWORD)\w*:?-/);
  });

  // A secret-looking literal anywhere in the repository (sk_/whsec_ tokens, `...SECRET = '...'`, `apiKey: '...'`, ...)
  // must be in PUBLISHED_SECRETS, so production refuses it: whoever adds one is told here to list it.
  it('every secret-looking literal in the repository is listed', () => {
    const skip = new Set(['node_modules', '.git', 'data', 'dist', 'test-artifacts', 'results', 'build', 'screenshots']);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (skip.has(name)) continue;
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|mts|js|mjs|md|ya?ml|sh|json|conf|example)$/.test(name) && name !== 'package-lock.json') files.push(p);
      }
    };
    for (const d of ['server', 'test', 'bench', 'docs', 'scripts', 'client-sdk', 'media']) walk(path.join(root, d));
    files.push(...['README.md', 'docker-compose.yml', '.env.example'].map((f) => path.join(root, f)));

    const patterns = [
      /\b((?:sk|whsec)_[A-Za-z0-9_]+)/g,
      /(?:SECRET|[sS]ecret|PASSWORD|[pP]assword|API_KEY|apiKey)\w*['"]?\s*[:=]\s*['"]([^'"$`\s]{6,})['"]/g,
    ];
    const unlisted = new Set<string>();
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const re of patterns) {
        for (const m of text.matchAll(re)) {
          if (!isPublishedSecret(m[1]!)) unlisted.add(`${path.relative(root, f)}: ${m[1]}`);
        }
      }
    }
    expect([...unlisted], 'add these to PUBLISHED_SECRETS (server/infra/publishedSecrets.ts)').toEqual([]);
  });
});
