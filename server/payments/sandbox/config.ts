import { z } from 'zod';

const rate = z.coerce.number().min(0).max(1);

/** Behaviour knobs of the sandbox, settable at start (env) and at runtime (PUT /v1/settings). */
export const SandboxSettings = z.strictObject({
  /** Mean processing time of a charge; each one takes a uniform 0.5x-1.5x of it. */
  latencyMs: z.coerce.number().int().min(0).max(60_000),
  /** Share of charges declined (card_declined). */
  declineRate: rate,
  /** Share of charge requests that time out (the connection is held open, then dropped, without an answer). */
  timeoutRate: rate,
  /** Share of timed-out requests that were processed anyway (charged or declined); the rest were lost before that. */
  timeoutProcessedRate: rate,
  /** How long a timed-out request is held open before the connection is dropped (make it exceed the client timeout). */
  hangMs: z.coerce.number().int().min(0).max(600_000),
  /**
   * Refunds time out: each refund is processed (money returned), then its answer is held for hangMs and the connection
   * dropped, so the client cannot know the outcome and must ask again with the same key. Off unless set.
   */
  refundTimeouts: z.boolean().optional(),
  /** Simulated outage: every API call answers 503 until turned off. */
  outage: z.boolean(),
  /** Where signed webhooks go; null: none are sent. */
  webhookUrl: z.url({ protocol: /^https?$/ }).nullable(),
});
export type SandboxSettings = z.infer<typeof SandboxSettings>;

/** PUT /v1/settings body: any subset. */
export const SandboxSettingsPatch = SandboxSettings.partial();

/**
 * The sandbox gateway's environment (its own service, so its own variables; README.md, "Sandbox payment gateway").
 */
const SandboxEnv = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_API_KEY: z.string().min(8).default('sk_sandbox_hawker_dev'),
  SANDBOX_WEBHOOK_SECRET: z.string().min(16).default('whsec_hawker_dev_change_me'),
  SANDBOX_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SANDBOX_LATENCY_MS: SandboxSettings.shape.latencyMs.default(150),
  SANDBOX_DECLINE_RATE: rate.default(0.1),
  SANDBOX_TIMEOUT_RATE: rate.default(0.05),
  SANDBOX_TIMEOUT_PROCESSED_RATE: rate.default(0.5),
  SANDBOX_HANG_MS: SandboxSettings.shape.hangMs.default(8_000),
  /** Append-only JSON-lines ledger; charges and idempotency survive a sandbox restart. Unset: in memory only. */
  SANDBOX_LEDGER_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type SandboxEnv = z.infer<typeof SandboxEnv>;

/** Parses the sandbox's environment; throws with one line naming the bad variables. */
export function loadSandboxEnv(env: NodeJS.ProcessEnv = process.env): SandboxEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = SandboxEnv.safeParse(cleaned);
  if (!parsed.success) {
    throw new Error(`Invalid sandbox configuration: ${parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
