/**
 * Every literal secret that appears in Hawker's public repository: defaults in code, examples in docker-compose.yml,
 * README.md, docs/ and scripts/, the placeholders of .env.example, and the values tests and benchmarks use. Anyone can
 * read them, so a deployment using one of them has no secret at all: with NODE_ENV=production, loadConfig
 * (server/config.ts) refuses JWT_SECRET, PAYMENT_WEBHOOK_SECRET, PAYMENT_GATEWAY_API_KEY and the passwords inside
 * DATABASE_URL / REDIS_URL when they equal one of these (compared trimmed and case-insensitively).
 *
 * Keep it in step with the repository: when you add a secret-looking literal anywhere (a new default, a test constant,
 * a documentation example), add it here. Removing a value from the repository does not unpublish it (git history keeps
 * it), so values stay here for good. Prefer examples that cannot be copied at all: `$(openssl rand -hex 32)`, or
 * randomBytes() in tests.
 */
export const PUBLISHED_SECRETS: ReadonlySet<string> = new Set([
  // Development defaults (server/config.ts, server/payments/sandbox/config.ts).
  'hawker-dev-secret-change-me',
  'whsec_hawker_dev_change_me',
  'sk_sandbox_hawker_dev',
  // docker-compose.yml's former API-key fallback (`${PAYMENT_GATEWAY_API_KEY:-sk_sandbox_compose}`).
  'sk_sandbox_compose',
  // .env.example's placeholder (and its short form).
  'change-me-openssl-rand-hex-32',
  'change-me',
  // Tests (test/helpers/commerce.ts, test/server/config.test.ts, test/payments/*, test/orders/*) and benchmarks (bench/).
  'sk_test_hawker_key',
  'whsec_test_hawker_secret',
  'a-long-production-secret',
  'sk_wrong_key_123',
  'not-the-real-secret-at-all',
  'whsec_other_secret_value',
  'whsec_someone_else_entirely',
  'sk_not_the_key',
  'bench-secret-0123456789abcdef',
  // Default credentials of S3-compatible servers (s3rver, which test/recording uses, and MinIO's out-of-the-box keys).
  'S3RVER',
  'minioadmin',
]);

/**
 * True when `value` is a published secret, or a placeholder that was only lengthened ("change-me-please-..."): anything
 * still saying "change me" was never changed.
 */
export function isPublishedSecret(value: string): boolean {
  const v = value.trim().toLowerCase();
  for (const s of PUBLISHED_SECRETS) if (v === s.toLowerCase()) return true;
  return /change[-_ .]?me/.test(v);
}
