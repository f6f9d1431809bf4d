import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from '../../kernel/log.ts';

/** A sandbox gateway child process that `npm start` launched and therefore stops. */
export interface LaunchedSandbox {
  readonly url: string;
  readonly pid: number;
  /** Sets the URL its webhooks go to (known only once the node listens). */
  setWebhookUrl(url: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

const root = path.resolve(import.meta.dirname, '../../..');

/**
 * Starts server/payments/sandbox/main.ts as a child process on a free loopback port, the way the local Redis is
 * started: it inherits SANDBOX_* variables from the environment, gets the node's API key and webhook secret, keeps its
 * ledger under `ledgerFile`, and its log lines are forwarded to `log`. It runs in its own process group, so only
 * `stop()` stops it, and it exits by itself if this process dies.
 */
export async function launchSandbox(o: {
  apiKey: string;
  webhookSecret: string;
  ledgerFile: string;
  log: Logger;
  startTimeoutMs?: number;
}): Promise<LaunchedSandbox> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/payments/sandbox/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      SANDBOX_PORT: '0',
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_API_KEY: o.apiKey,
      SANDBOX_WEBHOOK_SECRET: o.webhookSecret,
      SANDBOX_LEDGER_FILE: o.ledgerFile,
    },
    // An IPC channel it does not otherwise use: when this process dies, even by SIGKILL, the channel closes and the
    // gateway stops itself (sandbox/main.ts), so it never outlives the node that launched it.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: a terminal's Ctrl-C goes to the whole foreground group, and the gateway stopping on it at
    // once would fail the node's in-flight charges while the node is still closing; stop() stops it, after the node.
    detached: true,
  });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sandbox gateway did not start within ${o.startTimeoutMs ?? 20_000} ms: ${stderr}`)),
      o.startTimeoutMs ?? 20_000,
    );
    child.once('error', reject);
    void exited.then(([code, signal]) => reject(new Error(`sandbox gateway exited (${code ?? signal}) before listening: ${stderr}`)));
    lines.on('line', (line) => {
      let parsed: { url?: string; msg?: string } = {};
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        parsed = { msg: line }; // not JSON: forwarded as a message below
      }
      if (parsed.url) {
        clearTimeout(timer);
        resolve(parsed.url);
      } else {
        o.log.info({ sandbox: parsed }, 'sandbox gateway');
      }
    });
  }).catch(async (err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });

  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    async setWebhookUrl(webhookUrl) {
      const res = await fetch(`${url}/v1/settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ webhookUrl }),
      });
      if (!res.ok) throw new Error(`sandbox settings: HTTP ${res.status} ${await res.text()}`);
    },
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
