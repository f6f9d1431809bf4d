/** Display formats shared by the pages, in the page's language (lib/i18n.ts) through Intl. */
import { locale } from './i18n.ts';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** An amount in minor units (cents, fen) as money: `money(12900, 'USD')` → "$129.00". */
export function money(minor: number, currency: string): string {
  let fmt = moneyFormats.get(currency);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      fmt = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(currency, fmt);
  }
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

/** Several currencies' totals (GMV per currency) as one line; "—" when empty. */
export function moneyTotals(byCurrency: Record<string, number>): string {
  const parts = Object.entries(byCurrency)
    .filter(([, v]) => v > 0)
    .map(([c, v]) => money(v, c));
  return parts.length ? parts.join(' + ') : money(0, Object.keys(byCurrency)[0] ?? 'USD');
}

/** Counts as people read them at a glance: 999, 1.2k, 3.4M. */
export function compact(n: number): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** A duration as a countdown: 1:05:09, 04:59, 00:07. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Clock time of a ms epoch, e.g. "20:15". */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** Initials for an avatar. */
export function initials(name: string): string {
  // Initials of words that start with a letter or digit ("Lee (moderator)" → "LM", not "L(").
  const parts = name
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+/u, ''))
    .filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

/** Date and time of a ms epoch, short, in the page's language: "6 Dec, 20:15" / "12月6日 20:15". */
export function dateTime(at: number): string {
  return new Date(at).toLocaleString(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
