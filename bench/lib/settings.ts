/**
 * `--set KEY=VALUE` (repeatable): node settings for one bench run on top of the bench's own, for an A/B of one setting
 * (e.g. `--set SOCKET_COALESCE_FLUSHES=false`). Throws on an entry without `=` or without a key.
 */
export function nodeSettings(entries: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (entries ?? []).map((kv) => {
      const at = kv.indexOf('=');
      if (at < 1) throw new Error(`--set wants KEY=VALUE, not ${JSON.stringify(kv)}`);
      return [kv.slice(0, at), kv.slice(at + 1)];
    }),
  );
}
