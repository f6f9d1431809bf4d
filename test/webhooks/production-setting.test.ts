import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const random = (bytes = 32): string => randomBytes(bytes).toString('hex');

it('refuses WEBHOOK_ALLOW_HTTP_LOCALHOST=true in production, and accepts production without it', () => {
  const env = {
    NODE_ENV: 'production',
    PAYMENT_GATEWAY_URL: 'https://api.payments.example.com',
    PAYMENT_GATEWAY_API_KEY: `pk_${random(16)}`,
    PAYMENT_WEBHOOK_SECRET: random(),
    JWT_SECRET: random(),
    REDIS_URL: 'redis://redis.internal:6379/0',
    DATABASE_URL: `postgres://hawker:${random(16)}@db.internal:5432/hawker`,
  };
  expect(loadConfig(env).WEBHOOK_ALLOW_HTTP_LOCALHOST).toBe(false);
  expect(() => loadConfig({ ...env, WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...env, WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true' })).toThrow(/WEBHOOK_ALLOW_HTTP_LOCALHOST=true/);
  expect(loadConfig({ WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true' }).WEBHOOK_ALLOW_HTTP_LOCALHOST).toBe(true); // development
});
