/**
 * BENCH_STOCK_STEP is for benchmarks only: production refuses every baseline step at start (server/config.ts), since
 * `naive` oversells and `watch` / `lock` are slower ways to the same result. Secrets are generated at run time.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';

const random = (bytes = 32): string => randomBytes(bytes).toString('hex');

it('refuses BENCH_STOCK_STEP=watch|lock|naive in production, accepts lua, and allows every step in development', () => {
  const env = {
    NODE_ENV: 'production',
    PAYMENT_GATEWAY_URL: 'https://api.payments.example.com',
    PAYMENT_GATEWAY_API_KEY: `pk_${random(16)}`,
    PAYMENT_WEBHOOK_SECRET: random(),
    JWT_SECRET: random(),
    REDIS_URL: 'redis://redis.internal:6379/0',
    DATABASE_URL: `postgres://hawker:${random(16)}@db.internal:5432/hawker`,
  };
  expect(loadConfig(env).BENCH_STOCK_STEP).toBe('lua');
  expect(loadConfig({ ...env, BENCH_STOCK_STEP: 'lua' }).BENCH_STOCK_STEP).toBe('lua');
  for (const step of ['watch', 'lock', 'naive']) {
    expect(() => loadConfig({ ...env, BENCH_STOCK_STEP: step })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, BENCH_STOCK_STEP: step })).toThrow(new RegExp(`BENCH_STOCK_STEP=${step} .*unset it in production`));
    expect(loadConfig({ BENCH_STOCK_STEP: step }).BENCH_STOCK_STEP).toBe(step); // development
  }
  expect(() => loadConfig({ BENCH_STOCK_STEP: 'optimistic' })).toThrow(/BENCH_STOCK_STEP="optimistic"/);
});
