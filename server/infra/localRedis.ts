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
}

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
 * a second of orders, and `maxmemory-policy noeviction` so Redis refuses writes rather than silently evicting stock or
 * order keys. Only listens on 127.0.0.1.
 */
export async function startLocalRedis(opts: LocalRedisOptions): Promise<LocalRedis> {
  const dir = path.resolve(opts.dir);
  await fs.mkdir(dir, { recursive: true });
  const pidfile = path.join(dir, 'redis.pid');
  await killStale(pidfile);
  const port = opts.port ?? (await freePort());
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
    '--save', '', '--daemonize', 'no', '--pidfile', pidfile, '--logfile', path.join(dir, 'redis.log'),
  ];
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: 'ignore' });
  } catch (cause) {
    throw new Error('Could not start redis-server; run `npm run setup` (installs Debian redis-server) or set REDIS_URL', { cause });
  }
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  const spawnError = once(child, 'error').then(([err]) => err as Error);
  const url = `redis://127.0.0.1:${port}`;

  const ready = waitForPing(url, opts.startTimeoutMs ?? 10_000);
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then((e) => e),
    spawnError.then((e) => e),
  ]);
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

/** A previous run killed with SIGKILL leaves its redis-server running on our data dir; stop it before reusing the dir. */
async function killStale(pidfile: string): Promise<void> {
  const pid = Number(await fs.readFile(pidfile, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmd.includes('redis-server')) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (!(await fs.stat(`/proc/${pid}`).catch(() => null))) return;
  }
  process.kill(pid, 'SIGKILL');
}
