import { lookup } from 'node:dns/promises';
import { ipv4Range, ipv6Range, parseIPv4, parseIPv6, publicHostProblem } from '@hawker/protocol';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const RULE = 'a webhook URL must be https://<public host>/...';

/**
 * Why `value` may not be a webhook endpoint, or null when it may: an https URL without credentials or fragment on a
 * public host (the image-URL host rule: no localhost, *.local, *.internal, single labels, or IP literals of private,
 * loopback, link-local or reserved ranges). With `allowHttpLocalhost` (WEBHOOK_ALLOW_HTTP_LOCALHOST, development only),
 * http or https on localhost, 127.0.0.1 or [::1] is allowed too.
 */
export function webhookUrlProblem(value: string, allowHttpLocalhost: boolean): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u0020\u007f-\u00a0\\]/.test(value)) return `${RULE}; it must not contain spaces, control characters or backslashes`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${RULE}; this is not a URL`;
  }
  if (url.username || url.password) return `${RULE}; it must not carry a user name or password`;
  if (url.hash) return `${RULE}; it must not have a fragment`;
  const host = url.hostname.toLowerCase();
  if (allowHttpLocalhost && LOCAL_HOSTS.has(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return null;
  if (url.protocol !== 'https:') return `${RULE}; ${url.protocol} is not allowed`;
  const problem = publicHostProblem(host);
  return problem ? `${RULE}; ${problem}` : null;
}

/**
 * Why the addresses `url`'s host resolves to right now are not public, or null when they all are. Checked before each
 * delivery: a public name may be pointed at a private address after the endpoint was registered (DNS rebinding).
 * Localhost endpoints allowed by WEBHOOK_ALLOW_HTTP_LOCALHOST are not resolved.
 */
export async function resolvedAddressProblem(url: string, allowHttpLocalhost: boolean): Promise<string | null> {
  const host = new URL(url).hostname.toLowerCase();
  if (allowHttpLocalhost && LOCAL_HOSTS.has(host)) return null;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(bare, { all: true });
  } catch (err) {
    return `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  for (const { address } of addresses) {
    const v4 = parseIPv4(address);
    const v6 = v4 ? null : parseIPv6(address);
    const range = v4 ? ipv4Range(v4) : v6 ? ipv6Range(v6) : 'not an IP address';
    if (range) return `${host} resolves to ${address}, ${range}, not a public address`;
  }
  return null;
}
