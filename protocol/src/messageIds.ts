/**
 * Chat message ids as values: helpers that need no schema. Kept apart from the zod schemas (chat.ts) so a client that
 * only sorts messages (the SDK's reducer, the pages) does not bundle zod: this file imports nothing.
 */

/** Orders message ids (stream ids, "<ms>-<seq>") numerically: by time, then sequence. */
export function compareMessageIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}
