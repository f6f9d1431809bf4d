import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../server/kernel/localRedis.ts';
import { randomPrefix, schemaFor, waitFor } from '../../harness/node.ts';
import { stopProcess } from '../../harness/nodeProcess.ts';
import { useTeardown } from '../../harness/teardown.ts';

const root = path.resolve(import.meta.dirname, '../..');
const t = useTeardown();

/** Runs the real entry point, as `npm start` does after setup (stopped after the test if still running). */
function runServer(env: Record<string, string>) {
  const child = t.add(
    spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: inject('databaseUrl'),
        DATABASE_SCHEMA: schemaFor(randomPrefix()),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    // SIGTERM first, so that a server left running by a failed test stops the redis-server it started too.
    (c) => stopProcess(c),
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, output: () => out, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}

it('PORT=abc exits non-zero with one line naming PORT', async () => {
  const s = runServer({ PORT: 'abc' });
  const [code] = await s.exited;
  expect(code).not.toBe(0);
  const lines = s.output().trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/PORT/);
});

it('starts its own Redis when REDIS_URL is unset, becomes ready, and shuts down cleanly on SIGTERM (Redis too)', async () => {
  const dir = await t.tempDir('hawker-start-');
  const port = await freePort();
  const s = runServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, MEDIASOUP_WORKERS: '1', MEDIASOUP_PORT_BASE: '0' });
  const body = await waitFor(
    'readyz 200',
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return res.status === 200 ? ((await res.json()) as { redis: { maxmemoryPolicy: string }; workers: { alive: number } }) : undefined;
    },
    30_000,
  );
  expect(body.redis.maxmemoryPolicy).toBe('noeviction');
  expect(body.workers.alive).toBe(1);
  const redisPid = Number(await fs.readFile(path.join(dir, 'redis', 'redis.pid'), 'utf8'));
  expect(redisPid).toBeGreaterThan(0);
  // AOF on, data under DATA_DIR
  await waitFor('AOF files', async () => (await fs.readdir(path.join(dir, 'redis'))).some((f) => f.startsWith('appendonly')));

  s.child.kill('SIGTERM');
  const [code] = await s.exited;
  expect(code, s.output()).toBe(0);
  await expect(fs.stat(`/proc/${redisPid}`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
});
