/**
 * "Clean stop": `npm start`'s process tree stops in order on a terminal's Ctrl-C (SIGINT to the whole foreground process
 * group) with no error-level log line, and nothing it started outlives it, even when the node itself is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../server/kernel/localRedis.ts';
import { randomPrefix, schemaFor, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const root = path.resolve(import.meta.dirname, '../..');
const t = useTeardown();
const SHUTDOWN_TIMEOUT_MS = 10_000;

interface LogLine {
  level?: number;
  msg?: string;
  [k: string]: unknown;
}

/** State, parent, process group and session of `pid` from /proc (undefined once it is gone). */
async function procStat(pid: number): Promise<{ state: string; ppid: number; pgrp: number; session: number } | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return undefined;
  // The fields after the parenthesised command name (which may itself contain spaces or parentheses).
  const [state, ppid, pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: state!, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session) };
}

/** True while `pid` is a live (not zombie) process whose command line contains `name`. */
async function alive(pid: number, name: string): Promise<boolean> {
  const stat = await procStat(pid);
  if (!stat || stat.state === 'Z') return false;
  const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmd.includes(name);
}

/** Live redis-server processes whose working directory (redis chdirs to its --dir) is `dir`. */
async function redisServersIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || !(await alive(pid, 'redis-server'))) continue;
    if ((await fs.readlink(`/proc/${pid}/cwd`).catch(() => '')) === dir) pids.push(pid);
  }
  return pids;
}

/** Last resort at teardown: a process a failed test left behind. */
function killIfAlive(pid: number | undefined, name: string): () => Promise<void> {
  return async () => {
    if (pid && (await alive(pid, name))) process.kill(pid, 'SIGKILL');
  };
}

/**
 * Runs the real entry point as `npm start` does after setup, as the leader of its own process group (like a shell's
 * foreground job), with its own Redis and sandbox gateway. Stopped at teardown if a test left it running.
 */
function runMain(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      MEDIASOUP_WORKERS: '2',
      MEDIASOUP_PORT_BASE: '0',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.defer(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS + 5_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  });
  const lines: LogLine[] = [];
  let raw = '';
  const listeners = new Set<(l: LogLine) => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (text) => {
      raw += `${text}\n`;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text }; // not JSON (a stack trace on stderr...): kept for the failure message
      }
      lines.push(line);
      for (const l of listeners) l(line);
    });
  }
  /** Resolves with the first line (already logged or to come) whose msg matches; rejects if the process exits first. */
  function waitForLine(re: RegExp, timeoutMs = 60_000): Promise<LogLine> {
    const seen = lines.find((l) => re.test(l.msg ?? ''));
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no log line matching ${re} within ${timeoutMs} ms:\n${raw}`)), timeoutMs);
      const listener = (l: LogLine) => {
        if (re.test(l.msg ?? '')) done(undefined, l);
      };
      void exited.then(([code, signal]) => done(new Error(`exited (${code ?? signal}) before logging ${re}:\n${raw}`)));
      function done(err?: Error, l?: LogLine) {
        clearTimeout(timer);
        listeners.delete(listener);
        if (err) reject(err);
        else resolve(l!);
      }
      listeners.add(listener);
    });
  }
  /** Error-level (>= 50) lines, the node's own and the sandbox gateway's (forwarded nested under `sandbox`). */
  function errorLines(): LogLine[] {
    return lines.filter((l) => (l.level ?? 0) >= 50 || ((l.sandbox as LogLine | undefined)?.level ?? 0) >= 50);
  }
  /** Waits for the exit, at most the node's shutdown deadline plus a margin. */
  async function waitExit(): Promise<[number | null, NodeJS.Signals | null]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not exit within ${SHUTDOWN_TIMEOUT_MS + 5_000} ms:\n${raw}`)),
        SHUTDOWN_TIMEOUT_MS + 5_000,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  return { child, pid: child.pid!, dataDir: env.DATA_DIR!, lines, output: () => raw, waitForLine, errorLines, waitExit };
}

type Main = ReturnType<typeof runMain>;

/** What a started main.ts launched, read from its log lines and Redis's pidfile; registered for teardown. */
async function started(m: Main, dataDir: string) {
  await m.waitForLine(/^Hawker listening/);
  const redisLine = await m.waitForLine(/^started local redis-server/);
  const redisPid = Number(await fs.readFile(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));
  const sandboxPid = (await m.waitForLine(/^started the sandbox payment gateway/)).pid as number;
  const workerPids = (await m.waitForLine(/^mediasoup workers started/)).pids as number[];
  const postgresLine = m.lines.find((l) => /^started local PostgreSQL/.test(l.msg ?? ''));
  const postmasterPid = postgresLine?.postmasterPid as number | undefined;
  t.defer(killIfAlive(redisPid, 'redis-server'));
  t.defer(killIfAlive(sandboxPid, 'sandbox'));
  for (const pid of workerPids) t.defer(killIfAlive(pid, 'mediasoup-worker'));
  if (postmasterPid) t.defer(killIfAlive(postmasterPid, 'postgres'));
  expect(redisPid).toBeGreaterThan(0);
  expect(await alive(redisPid, 'redis-server')).toBe(true);
  expect(await alive(sandboxPid, 'sandbox')).toBe(true);
  expect(workerPids).toHaveLength(2);
  for (const pid of workerPids) expect(await alive(pid, 'mediasoup-worker')).toBe(true);
  // A terminal's Ctrl-C signals the node's process group: only the node and its mediasoup workers may be in it. What
  // else it launched runs in a group of its own, so it is stopped by the node, after the node has closed.
  for (const pid of [redisPid, sandboxPid, ...(postmasterPid ? [postmasterPid] : [])]) {
    const stat = await procStat(pid);
    expect(stat?.ppid).toBe(m.pid);
    expect(stat?.pgrp).not.toBe(m.pid);
  }
  return { redisPid, redisUrl: redisLine.url as string, sandboxPid, workerPids, postmasterPid };
}

/** Ctrl-C in a terminal: SIGINT to every process of the foreground process group. */
async function ctrlC(m: Main, pids: Awaited<ReturnType<typeof started>>): Promise<void> {
  process.kill(-m.pid, 'SIGINT');
  const [code, signal] = await m.waitExit();
  expect({ code, signal }, m.output()).toEqual({ code: 0, signal: null });
  expect(m.errorLines(), m.output()).toEqual([]);
  expect(
    m.lines.some((l) => l.msg === 'stopped'),
    m.output(),
  ).toBe(true);
  // Redis was stopped by the node (SIGTERM), not by the terminal's SIGINT.
  const redisLog = await fs.readFile(path.join(m.dataDir, 'redis', 'redis.log'), 'utf8');
  expect(redisLog).not.toMatch(/Received SIGINT/);
  expect(redisLog).toMatch(/Received SIGTERM/);
  // Redis, the sandbox and PostgreSQL were awaited before "stopped"; the workers exit once their close request is read.
  expect(await alive(pids.redisPid, 'redis-server')).toBe(false);
  expect(await alive(pids.sandboxPid, 'sandbox')).toBe(false);
  if (pids.postmasterPid) expect(await alive(pids.postmasterPid, 'postgres')).toBe(false);
  await waitFor(
    'mediasoup workers gone',
    async () => {
      for (const pid of pids.workerPids) if (await alive(pid, 'mediasoup-worker')) return false;
      return true;
    },
    5_000,
  );
}

it('Ctrl-C (SIGINT to the process group) stops rooms, workers, sandbox, Redis in order, exit 0, no error line, nothing left', async () => {
  const dir = await t.tempDir('hawker-clean-stop-');
  const m = runMain({
    PORT: String(await freePort()),
    DATA_DIR: dir,
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_SCHEMA: schemaFor(randomPrefix()),
  });
  const pids = await started(m, dir);
  await ctrlC(m, pids);
  // In order: the node (its rooms and workers) first, then the children it launched.
  const order = ['shutting down', 'stopped'].map((msg) => m.lines.findIndex((l) => l.msg === msg));
  expect(order[0]).toBeGreaterThanOrEqual(0);
  expect(order[1]).toBeGreaterThan(order[0]!);
});

it('after a SIGKILL of the node its workers and sandbox die with it; the next start reuses the data dir with one redis-server', async () => {
  const dir = await t.tempDir('hawker-clean-stop-');
  const redisDir = path.join(dir, 'redis');
  const env = { DATA_DIR: dir, DATABASE_URL: inject('databaseUrl'), DATABASE_SCHEMA: schemaFor(randomPrefix()) };
  const first = runMain({ ...env, PORT: String(await freePort()) });
  const before = await started(first, dir);
  const written = t.add(new Redis(before.redisUrl, { maxRetriesPerRequest: 1 }));
  await written.set('clean-stop:survives', 'yes');
  await written.quit();
  process.kill(first.pid, 'SIGKILL'); // only the node: its children get no signal at all
  const [, signal] = await first.waitExit();
  expect(signal).toBe('SIGKILL');
  await waitFor(
    'workers and sandbox gone after their parent was SIGKILLed',
    async () => {
      for (const pid of before.workerPids) if (await alive(pid, 'mediasoup-worker')) return false;
      return !(await alive(before.sandboxPid, 'sandbox'));
    },
    10_000,
  );

  const second = runMain({ ...env, PORT: String(await freePort()) });
  const after = await started(second, dir);
  expect(second.errorLines(), second.output()).toEqual([]);
  expect(after.redisPid).not.toBe(before.redisPid);
  expect(await alive(before.redisPid, 'redis-server')).toBe(false);
  expect(await redisServersIn(redisDir)).toEqual([after.redisPid]);
  expect(second.lines.find((l) => /previous run/.test(l.msg ?? ''))?.pids).toEqual([before.redisPid]);
  const redis = t.add(new Redis(after.redisUrl, { maxRetriesPerRequest: 1 }));
  expect(await redis.ping()).toBe('PONG');
  // The orphan was stopped with SIGTERM, which flushes the AOF: what was written before the SIGKILL is still there.
  expect(await redis.get('clean-stop:survives')).toBe('yes');
  await redis.quit();
  await ctrlC(second, after);
  expect(await redisServersIn(redisDir)).toEqual([]);
});

it('a worker that closed itself on a signal before the node heard of it is replaced with a warning, not an error', async () => {
  // A SIGINT/SIGTERM to the process group may reach a worker before the node, or an operator may signal one worker.
  const dir = await t.tempDir('hawker-clean-stop-');
  const m = runMain({
    PORT: String(await freePort()),
    DATA_DIR: dir,
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_SCHEMA: schemaFor(randomPrefix()),
  });
  const pids = await started(m, dir);
  process.kill(pids.workerPids[0]!, 'SIGINT');
  const replaced = await m.waitForLine(/^mediasoup worker replaced/, 10_000);
  t.defer(killIfAlive(replaced.pid as number, 'mediasoup-worker'));
  expect(m.lines.find((l) => /^mediasoup worker exited on a signal/.test(l.msg ?? ''))?.level).toBe(40);
  expect(m.errorLines(), m.output()).toEqual([]);
  await ctrlC(m, { ...pids, workerPids: [replaced.pid as number, pids.workerPids[1]!] });
  expect(await alive(pids.workerPids[0]!, 'mediasoup-worker')).toBe(false);
});

it('without DATABASE_URL, Ctrl-C also stops the PostgreSQL it launched, last, with no error line', async () => {
  const dir = await t.tempDir('hawker-clean-stop-pg-');
  await fs.chmod(dir, 0o755); // as root, the postgres user must reach it to keep the cluster inside DATA_DIR
  const m = runMain({ PORT: String(await freePort()), DATA_DIR: dir });
  const pids = await started(m, dir);
  expect(pids.postmasterPid).toBeGreaterThan(0);
  await ctrlC(m, pids);
});
