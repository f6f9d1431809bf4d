/**
 * `npm start` entry: parse configuration, launch a local Redis when REDIS_URL is not given and a local PostgreSQL when
 * DATABASE_URL is not given, start the node, and stop everything within SHUTDOWN_TIMEOUT_MS on SIGTERM/SIGINT.
 */
import path from 'node:path';
import { Hawker } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { closeAll } from './kernel/closeAll.ts';
import { createLogger } from './kernel/log.ts';
import { startLocalPostgres, type LocalPostgres } from './kernel/localPostgres.ts';
import { startLocalRedis, type LocalRedis } from './kernel/localRedis.ts';
import { registerDomains } from './domains.ts';
import { launchSandbox, type LaunchedSandbox } from './payments/sandbox/launch.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.LOG_LEVEL);
let localRedis: LocalRedis | undefined;
let localPostgres: LocalPostgres | undefined;
let sandbox: LaunchedSandbox | undefined;
let node: Hawker | undefined;

async function start(): Promise<void> {
  // Every step checks `stopping`: a Ctrl-C during startup lets the step under way finish (stop() waits for it, so that
  // what it launched gets stopped) and launches nothing more.
  let redisUrl = config.REDIS_URL;
  if (!redisUrl) {
    // In its own process group, like the sandbox gateway below (PostgreSQL runs in its own session): a terminal's Ctrl-C
    // reaches only this process and its mediasoup workers, and stop() stops the children in order, after the node.
    localRedis = await startLocalRedis({ dir: path.join(config.dataDir, 'redis'), detached: true, maxmemoryMb: config.REDIS_MAXMEMORY_MB });
    redisUrl = localRedis.url;
    if (localRedis.staleStopped.length > 0) {
      log.warn(
        { pids: localRedis.staleStopped },
        'stopped a redis-server that a previous run (killed, not stopped) left running on this data directory',
      );
    }
    log.info(
      { url: redisUrl, dir: localRedis.dir, maxmemoryMb: config.REDIS_MAXMEMORY_MB },
      'started local redis-server (AOF on, maxmemory REDIS_MAXMEMORY_MB, noeviction); set REDIS_URL to use your own',
    );
  }
  if (stopping) return;
  if (!config.DATABASE_URL) {
    localPostgres = await startLocalPostgres({ dir: path.join(config.dataDir, 'postgres'), log: log.child({ module: 'local-postgres' }) });
    config = { ...config, DATABASE_URL: localPostgres.url };
    log.info(
      { port: localPostgres.port, dataDir: localPostgres.dataDir, postmasterPid: localPostgres.pid },
      'started local PostgreSQL 15 (fsync and synchronous_commit on, restarted if it dies); set DATABASE_URL to use your own',
    );
  }
  if (stopping) return;
  if (!config.PAYMENT_GATEWAY_URL) {
    sandbox = await launchSandbox({
      apiKey: config.PAYMENT_GATEWAY_API_KEY,
      webhookSecret: config.PAYMENT_WEBHOOK_SECRET,
      ledgerFile: path.join(config.dataDir, 'sandbox', 'ledger.jsonl'),
      log: log.child({ module: 'sandbox-gateway' }),
    });
    config = { ...config, PAYMENT_GATEWAY_URL: sandbox.url };
    log.info({ url: sandbox.url, pid: sandbox.pid }, 'started the sandbox payment gateway; set PAYMENT_GATEWAY_URL to use a real one');
  }
  if (stopping) return;
  node = await Hawker.create(config, log, redisUrl);
  await registerDomains(node);
  if (stopping) return;
  const addr = await node.listen();
  const local = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address;
  await sandbox?.setWebhookUrl(`http://${local.includes(':') ? `[${local}]` : local}:${addr.port}/api/payments/webhook`);
  const shown = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.address;
  log.info({ port: addr.port }, `Hawker listening: http://${shown}:${addr.port}/ (health: /readyz)`);
  const health = node.healthAddress();
  if (health)
    log.info({ port: health.port }, `health checks and metrics also on http://${shown}:${health.port}/healthz, /readyz, /metrics`);
}

/**
 * Exits at once. The sandbox gateway and Redis run in their own process groups and PostgreSQL in its own session, so
 * nothing else would stop them: each gets its stop signal first (SIGTERM; PostgreSQL's fast-shutdown SIGINT), which it
 * completes on its own. The mediasoup workers and the gateway also exit when their channel to this process closes.
 */
function abandon(code: number): never {
  sandbox?.stop(0).catch(() => {});
  localRedis?.stop(0).catch(() => {});
  localPostgres?.stop(0).catch(() => {});
  process.exit(code);
}

let starting: Promise<void> | undefined;
let stopping = false;
async function stop(signal: string, code = 0): Promise<void> {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting without waiting for the shutdown to finish');
    abandon(1); // a second Ctrl-C means "now"
  }
  stopping = true;
  log.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down');
  const deadline = setTimeout(() => {
    log.error('graceful shutdown timed out; exiting anyway');
    abandon(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  await starting?.catch(() => {}); // a signal during startup: the step under way finishes first (see start())
  // Every step runs even if one before it failed (each failure is logged as it happens); any failure makes the exit code 1.
  await closeAll(
    'shutdown',
    [
      node && ['the node', () => node!.close()],
      sandbox && ['the sandbox gateway', () => sandbox!.stop()],
      localRedis && ['local redis', () => localRedis!.stop()],
      // Last: the node (and its payment worker) may write to the ledger until it has closed.
      localPostgres && ['local PostgreSQL', () => localPostgres!.stop()],
    ],
    log,
  ).catch(() => {
    code = 1;
  });
  log.info('stopped');
  process.exit(code);
}

process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

starting = start();
starting.catch((err: Error) => {
  if (stopping) {
    // Interrupted: e.g. Ctrl-C while a mediasoup worker was starting (the SIGINT reaches it too).
    log.warn({ err: err.message }, 'startup did not finish: shutting down');
    return;
  }
  log.fatal({ err }, `Hawker failed to start: ${err.message}`);
  void stop('startup-failure', 1);
});
