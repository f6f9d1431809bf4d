import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { productionEnv } from '../unit/server/productionEnv.ts';

it('refuses WEBHOOK_ALLOW_HTTP_LOCALHOST=true in production, and accepts production without it', () => {
  const env = productionEnv();
  expect(loadConfig(env).WEBHOOK_ALLOW_HTTP_LOCALHOST).toBe(false);
  expect(() => loadConfig({ ...env, WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...env, WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true' })).toThrow(/WEBHOOK_ALLOW_HTTP_LOCALHOST=true/);
  expect(loadConfig({ WEBHOOK_ALLOW_HTTP_LOCALHOST: 'true' }).WEBHOOK_ALLOW_HTTP_LOCALHOST).toBe(true); // development
});
