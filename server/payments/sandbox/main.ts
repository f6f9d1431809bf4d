/**
 * Sandbox payment gateway entry: `node --import tsx server/payments/sandbox/main.ts`. Configured by SANDBOX_*
 * variables (config.ts, README.md). Logs one JSON line with `url` once listening (launch.ts waits for it); stops on
 * SIGTERM/SIGINT, and when its parent exits if that parent gave it an IPC channel (launch.ts does).
 */
import { createLogger } from '../../kernel/log.ts';
import { loadSandboxEnv, type SandboxEnv } from './config.ts';
import { SandboxGateway } from './server.ts';

let env: SandboxEnv;
try {
  env = loadSandboxEnv();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const log = createLogger(env.LOG_LEVEL, 'hawker-sandbox-gateway');

const gateway = await SandboxGateway.start(
  {
    apiKey: env.SANDBOX_API_KEY,
    webhookSecret: env.SANDBOX_WEBHOOK_SECRET,
    webhookUrl: env.SANDBOX_WEBHOOK_URL ?? null,
    latencyMs: env.SANDBOX_LATENCY_MS,
    declineRate: env.SANDBOX_DECLINE_RATE,
    timeoutRate: env.SANDBOX_TIMEOUT_RATE,
    timeoutProcessedRate: env.SANDBOX_TIMEOUT_PROCESSED_RATE,
    hangMs: env.SANDBOX_HANG_MS,
    outage: false,
    ledgerFile: env.SANDBOX_LEDGER_FILE,
    log,
  },
  env.SANDBOX_PORT,
  env.SANDBOX_HOST,
).catch((err: Error) => {
  process.stderr.write(`sandbox gateway failed to start: ${err.message}\n`);
  process.exit(1);
});
// Always printed (even with LOG_LEVEL=silent): the launcher reads the URL from this line.
process.stdout.write(
  `${JSON.stringify({ msg: 'sandbox gateway listening', url: gateway.url, pid: process.pid, settings: gateway.settings })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Launched by a node (launch.ts) with an IPC channel: the channel closes when that node exits, however it exits (a
// SIGKILL included), and a gateway whose node is gone has nobody to send webhooks to, so it stops too.
if (process.channel) {
  const orphaned = () => {
    log.info('the node that launched this gateway is gone; stopping');
    void stop();
  };
  if (process.connected) process.once('disconnect', orphaned);
  else orphaned(); // it went while this gateway was starting
}
