import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/redis.ts'],
    // Integration tests start mediasoup workers and Redis-backed nodes: give them room, but on a 2-core box keep
    // parallelism modest so timing-sensitive paths (ICE, RTP) are not starved.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
