import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three tiers (README, "Tests"), one vitest project each; scripts pick them with --project:
 *
 * - unit (`npm run test:unit`): test/unit, pure logic, no services at all (no global setup: no Redis, no PostgreSQL, no
 *   mediasoup). Budget 30 s.
 * - integration (`npm test` runs it with unit): everything else under test/ except test/slow, against real parts (the
 *   run's Redis and PostgreSQL from test/setup, mediasoup workers, sockets, Chromium).
 * - slow (`npm run test:slow`): test/slow, the long real-part checks (fault drills, the 2,000-socket race, 10,000 orders).
 */
const SERVICES = ['test/setup/redis.ts', 'test/setup/postgres.ts'];

export default defineConfig({
  test: {
    // Integration tests start mediasoup workers and Redis-backed nodes: give them room, but on a 2-core box keep
    // parallelism modest so timing-sensitive paths (ICE, RTP) are not starved.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI runs files one at a time: several files each starting mediasoup workers, Redis-backed nodes and thousands of
    // sockets on 2 cores make ICE, bandwidth estimation and handshakes slow enough to flake. Locally, 2 at a time.
    maxWorkers: process.env.CI ? 1 : 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Pure code answers at once: a unit test that needs more than this is waiting for something it should not.
          testTimeout: 5_000,
          hookTimeout: 5_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**', 'test/slow/**'],
          globalSetup: SERVICES,
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: ['test/slow/**/*.test.ts'],
          globalSetup: SERVICES,
        },
      },
    ],
  },
});
