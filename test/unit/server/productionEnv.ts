/**
 * A production environment that satisfies every rule of server/config.ts (productionProblems), for tests of what
 * production refuses. Secrets are generated at run time, so no test file publishes one.
 */
import { randomBytes } from 'node:crypto';

/** `bytes` random bytes as hex. */
export const random = (bytes = 32): string => randomBytes(bytes).toString('hex');

/** NODE_ENV=production with a gateway, secrets, Redis and PostgreSQL that loadConfig accepts. */
export function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PAYMENT_GATEWAY_URL: 'https://api.payments.example.com',
    PAYMENT_GATEWAY_API_KEY: `pk_${random(16)}`,
    PAYMENT_WEBHOOK_SECRET: random(),
    JWT_SECRET: random(),
    REDIS_URL: 'redis://redis.internal:6379/0',
    DATABASE_URL: `postgres://hawker:${random(16)}@db.internal:5432/hawker`,
  };
}
