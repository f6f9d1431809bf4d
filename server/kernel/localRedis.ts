import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server child process that Hawker (or a test) launched and therefore must stop. */
export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** Pids of redis-servers a previous run left on this directory (its node was SIGKILLed) that were stopped first. */
  readonly staleStopped: readonly number[];
  /** Stops redis cleanly (SIGTERM flushes the AOF), SIGKILL after `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface LocalRedisOptions {
  /** Data directory (AOF, log, pidfile). Created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Milliseconds to wait for the server to answer PING. */
  startTimeoutMs?: number;
  /**
   * Run redis-server in its own process group (and session), as `npm start` does: a terminal's Ctrl-C goes to the
   * whole foreground group, and redis-server shutting down on it at once would pull Redis from under the node while
   * the node is still closing; only `stop()` stops it then (or, if the node was SIGKILLed, the next start on the same
   * directory). Off by default: a test run or benchmark interrupted with Ctrl-C should take its throwaway Redis along.
   */
  detached?: boolean;
  /**
   * `maxmemory` in MiB (default 1024, REDIS_MAXMEMORY_MB's default). With `noeviction`, a full Redis refuses writes
   * with an error instead of growing until the host kills it or evicting money keys; the node warns and /readyz reports
   * the headroom before that (server/health/redisMemory.ts).
   */
  maxmemoryMb?: number;
}

/** maxmemory of a launched Redis when the caller names none (the default of REDIS_MAXMEMORY_MB). */
export const DEFAULT_LOCAL_REDIS_MAXMEMORY_MB = 1_024;

/** Asks the kernel for a free loopback TCP port (redis-server cannot bind port 0 and report it). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Starts redis-server configured the way Hawker's data needs it: AOF on (fsync every second) so a crash loses at most
 * a second of orders, a `maxmemory` so it cannot take the host's memory, and `maxmemory-policy noeviction` so at that
 * limit Redis refuses writes rather than silently evicting stock or order keys. Only listens on 127.0.0.1.
 */
export async function startLocalRedis(opts: LocalRedisOptions): Promise<LocalRedis> {
  const dir = path.resolve(opts.dir);
  await fs.mkdir(dir, { recursive: true });
  const pidfile = path.join(dir, 'redis.pid');
  const staleStopped = await stopStale(dir, pidfile);
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory',
    `${opts.maxmemoryMb ?? DEFAULT_LOCAL_REDIS_MAXMEMORY_MB}mb`,
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    '--daemonize',
    'no',
    '--pidfile',
    pidfile,
    '--logfile',
    path.join(dir, 'redis.log'),
  ];
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: 'ignore', detached: opts.detached ?? false });
  } catch (cause) {
    throw new Error('Could not start redis-server; run `npm run setup` (installs Debian redis-server) or set REDIS_URL', { cause });
  }
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  const spawnError = once(child, 'error').then(([err]) => err as Error);
  const url = `redis://127.0.0.1:${port}`;

  const ready = waitForPing(url, opts.startTimeoutMs ?? 10_000);
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then((e) => e), spawnError.then((e) => e)]);
  if (outcome !== 'ready') {
    const why = outcome instanceof Error ? outcome.message : `exited with ${outcome.code ?? outcome.signal}`;
    const logTail = await fs.readFile(path.join(dir, 'redis.log'), 'utf8').catch(() => '');
    throw new Error(
      `redis-server ${why}; install it with \`npm run setup\` or set REDIS_URL. Log tail: ${logTail.split('\n').slice(-5).join(' | ')}`,
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dir,
    pid: child.pid!,
    staleStopped,
    stop(timeoutMs = 5_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // connection refusals are expected while the server boots; we poll
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within ${timeoutMs} ms`, { cause: err });
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether `pid` is a running process (not gone, not a zombie waiting to be reaped). */
async function running(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The state is the field after the parenthesised command name (which may contain spaces or parentheses).
  return stat !== '' && !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** A running redis-server whose working directory is `dir` (redis-server chdirs to its --dir at startup). */
async function isRedisOn(pid: number, dir: string): Promise<boolean> {
  const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmd.includes('redis-server') || !(await running(pid))) return false;
  return (await fs.readlink(`/proc/${pid}/cwd`).catch(() => '')) === dir;
}

/**
 * A previous run killed with SIGKILL leaves its redis-server running on our data dir (it is in its own process group,
 * so nothing else stops it); two servers appending to one AOF must never happen. Finds it through the pidfile, and
 * through /proc in case the pidfile was not written yet or was removed, checks it is a redis-server on this very
 * directory (a recycled pid is left alone), and stops it: SIGTERM (which flushes the AOF), SIGKILL after 5 s, and
 * waits until it is gone. Returns the pids it stopped.
 */
async function stopStale(dir: string, pidfile: string): Promise<number[]> {
  const candidates = new Set<number>();
  const fromFile = Number((await fs.readFile(pidfile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(fromFile) && fromFile > 0) candidates.add(fromFile);
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) candidates.add(pid);
  }
  const realDir = await fs.realpath(dir); // what /proc/<pid>/cwd shows when `dir` goes through a symlink
  const stale: number[] = [];
  for (const pid of candidates) if (await isRedisOn(pid, realDir)) stale.push(pid);
  await Promise.all(stale.map((pid) => stopPid(pid)));
  return stale;
}

/** SIGTERM, SIGKILL if still running 5 s later; resolves once it is gone (a zombie counts as gone). */
async function stopPid(pid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  const gone = async (timeoutMs: number) => {
    for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
      if (!(await running(pid))) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return !(await running(pid));
  };
  signal('SIGTERM');
  if (await gone(5_000)) return;
  signal('SIGKILL');
  if (!(await gone(5_000))) throw new Error(`a redis-server left by a previous run (pid ${pid}) does not stop; stop it and start again`);
}
