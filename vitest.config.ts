import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/redis.ts', 'test/setup/postgres.ts'],
    // Integration tests start mediasoup workers and Redis-backed nodes: give them room, but on a 2-core box keep
    // parallelism modest so timing-sensitive paths (ICE, RTP) are not starved.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI runs files one at a time: several files each starting mediasoup workers, Redis-backed nodes and thousands of
    // sockets on 2 cores make ICE, bandwidth estimation and handshakes slow enough to flake. Locally, 2 at a time.
    maxWorkers: process.env.CI ? 1 : 2,
    reporters: ['default'],
  },
});
