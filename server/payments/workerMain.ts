/**
 * Standalone payment worker: `node --import tsx server/payments/workerMain.ts`. Runs the same payment runtime as a
 * node (worker + supervisor), against REDIS_URL and PAYMENT_GATEWAY_URL, with the nodes' REDIS_KEY_PREFIX. Run as many
 * as you like (and set PAYMENT_WORKER=false on the nodes to keep charging off them). SIGTERM/SIGINT stop it after the
 * running jobs finish (bounded by SHUTDOWN_TIMEOUT_MS); SIGKILL at any moment is safe: another worker re-runs the jobs.
 */
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { closeAll } from '../kernel/closeAll.ts';
import { createLogger } from '../kernel/log.ts';
import { createRedis } from '../kernel/redis.ts';
import { openLedger } from '../ledger/index.ts';
import { startPaymentRuntime } from './runtime.ts';

let config: Config;
try {
  config = loadConfig();
  if (!config.REDIS_URL || !config.PAYMENT_GATEWAY_URL || !config.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration: the payment worker needs REDIS_URL, DATABASE_URL and PAYMENT_GATEWAY_URL (see README.md, Configuration)',
    );
  }
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.LOG_LEVEL, 'hawker-payment-worker');
const redis = createRedis(config.REDIS_URL!, log.child({ module: 'redis' }));
const ledger = await openLedger({
  url: config.DATABASE_URL!,
  schema: config.DATABASE_SCHEMA,
  poolSize: config.DATABASE_POOL_SIZE,
  production: config.NODE_ENV === 'production',
  log,
});
const runtime = startPaymentRuntime({ config, log, redis, redisUrl: config.REDIS_URL!, ledger, runWorker: true });
log.info({ concurrency: config.PAYMENT_WORKER_CONCURRENCY, gateway: config.PAYMENT_GATEWAY_URL }, 'payment worker started');

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  log.info({ signal }, 'payment worker stopping');
  setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref();
  // Every step runs even if one fails (each failure logged); any failure makes the exit code 1.
  const failed = await closeAll(
    'payment worker',
    [
      ['payment runtime', () => runtime.close()],
      ['ledger', () => ledger.close()],
      ['redis', () => redis.quit().catch(() => redis.disconnect())],
    ],
    log,
  ).then(
    () => false,
    () => true,
  );
  process.exit(failed ? 1 : 0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
