import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';

it('applies defaults and treats empty strings as unset', () => {
  const c = loadConfig({ PORT: '', REDIS_URL: '' });
  expect(c.PORT).toBe(3000);
  expect(c.REDIS_URL).toBeUndefined();
  expect(c.DEV_TOKENS).toBe(true);
  expect(c.MEDIASOUP_WORKERS).toBeGreaterThanOrEqual(1);
});

it.each([
  ['PORT', 'abc'],
  ['PORT', '70000'],
  ['REDIS_URL', 'http://localhost'],
  ['MEDIASOUP_WORKERS', '0'],
  ['MEDIASOUP_LISTEN_IP', 'not-an-ip'],
  ['LOG_LEVEL', 'loud'],
  ['JWT_SECRET', 'short'],
  ['REDIS_KEY_PREFIX', 'has space'],
  ['STREAM_RECONNECT_GRACE_MS', '-1'],
])('rejects %s=%s with one line naming the variable', (name, value) => {
  let err: unknown;
  try {
    loadConfig({ [name]: value });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg).toContain(name);
  expect(msg.split('\n')).toHaveLength(1);
});

it('production requires a real token secret and turns dev tokens off', () => {
  expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  // Everything else production requires (test/server/production-config.test.ts covers each rule).
  const c = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PAYMENT_GATEWAY_URL: 'https://payments.example.com',
    PAYMENT_GATEWAY_API_KEY: randomBytes(16).toString('hex'),
    PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
    REDIS_URL: 'redis://redis.internal:6379',
    DATABASE_URL: 'postgres://hawker@db.internal:5432/hawker',
  });
  expect(c.DEV_TOKENS).toBe(false);
});
