import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying a webhook's signature: `t=<ms epoch>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = 'webhook-signature';
/** Webhooks signed longer ago than this are refused (replay protection). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

function mac(secret: string, t: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** Signs a webhook body (the sandbox gateway does this for every delivery). */
export function signWebhook(secret: string, body: Buffer | string, t = Date.now()): string {
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Checks a webhook signature over the raw body bytes, in constant time, and that it is recent. False for anything
 * missing, malformed, stale or forged.
 */
export function verifyWebhook(secret: string, header: string | undefined, body: Buffer, now = Date.now()): boolean {
  if (!header || header.length > 512) return false;
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  const given = parts.v1;
  if (!Number.isSafeInteger(t) || Math.abs(now - t) > SIGNATURE_TOLERANCE_MS || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(mac(secret, t, body), 'hex'), Buffer.from(given, 'hex'));
}
