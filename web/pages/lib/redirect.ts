/**
 * Where a page may send the browser after signing in, given the `next` it was handed in its URL: only a path of this
 * site. `next` is attacker-controlled (anyone can link to `/?next=...`), and browsers read `/\evil.example/`, `//evil`,
 * `/\t/evil` or `https:/evil` as other hosts, so a prefix check on the raw string is not enough: the value is refused
 * outright if it has a backslash or a control or space character, must then start with exactly one '/', and must still
 * resolve to `origin` with a path starting with exactly one '/' once the URL parser has had its say.
 *
 * Returns the path (with its query and fragment) to go to, or null: stay on the page (the safe default).
 */
export function safeNextPath(next: string | null | undefined, origin: string): string | null {
  if (!next || next.length > 2048) return null;
  // Backslashes count as slashes in http(s) URLs; tabs and newlines are silently dropped by the parser.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\\\u0000-\u0020\u007f-\u00a0\u2028\u2029]/.test(next)) return null;
  if (!next.startsWith('/') || next.startsWith('//')) return null;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin || !url.pathname.startsWith('/') || url.pathname.startsWith('//')) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
