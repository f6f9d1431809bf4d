/**
 * BENCH_STOCK_STEP is for benchmarks only: production refuses every baseline step at start (server/config.ts), since
 * `naive` oversells and `watch` / `lock` are slower ways to the same result. Secrets are generated at run time.
 */
import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';
import { productionEnv } from '../server/productionEnv.ts';

it('refuses BENCH_STOCK_STEP=watch|lock|naive in production, accepts lua, and allows every step in development', () => {
  const env = productionEnv();
  expect(loadConfig(env).BENCH_STOCK_STEP).toBe('lua');
  expect(loadConfig({ ...env, BENCH_STOCK_STEP: 'lua' }).BENCH_STOCK_STEP).toBe('lua');
  for (const step of ['watch', 'lock', 'naive']) {
    expect(() => loadConfig({ ...env, BENCH_STOCK_STEP: step })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, BENCH_STOCK_STEP: step })).toThrow(new RegExp(`BENCH_STOCK_STEP=${step} .*unset it in production`));
    expect(loadConfig({ BENCH_STOCK_STEP: step }).BENCH_STOCK_STEP).toBe(step); // development
  }
  expect(() => loadConfig({ BENCH_STOCK_STEP: 'optimistic' })).toThrow(/BENCH_STOCK_STEP="optimistic"/);
});
