import { z } from 'zod';

/** Opaque ids: short, URL-safe, bounded, so they are safe inside Redis keys and room names. */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 chars of A-Z a-z 0-9 _ -');
export type Id = z.infer<typeof Id>;

/** Milliseconds since the epoch (server clock). */
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);

/** An http(s) URL of bounded length (cover images, product images). */
export const HttpUrl = z.url({ protocol: /^https?$/ }).max(2048);

// ---------------------------------------------------------------------------------------------------------------------
// Image URLs (product images): where a creator may point every viewer's browser.

/** Same-origin folders an image path may be under: the bundled samples, and server uploads. */
export const IMAGE_PATH_PREFIXES = ['/samples/', '/uploads/'] as const;

const IMAGE_RULE = `an image URL must be https://<public host>/... or a path on this server under ${IMAGE_PATH_PREFIXES.join(' or ')}`;

/**
 * The WHATWG URL parser: a global in browsers and in Node alike. Declared here (only what this file reads) because the
 * protocol package builds against ES2022 alone, without DOM or Node types (protocol/tsconfig.build.json).
 */
interface ParsedUrl {
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
}
declare const URL: new (input: string) => ParsedUrl;

/**
 * Why `value` may not be an image URL, or null when it may: a same-origin path under IMAGE_PATH_PREFIXES (a single
 * leading '/', no '..' or '.' segment, no backslash, no encoded dot, slash or backslash, no query), or an https URL
 * without credentials whose host is public: not localhost, *.localhost, *.local, *.internal, *.home.arpa or a single
 * label, and not an IP literal in a loopback, private, link-local (cloud metadata 169.254.169.254 included), CGNAT,
 * unspecified, multicast or reserved range, IPv4-mapped IPv6 of those included. Pure string work (no DNS, no node:
 * modules), so browsers and the server apply the same rule. The server never fetches these URLs; the rule keeps viewers'
 * browsers from being sent at their own network or at this server's admin routes.
 */
export function imageUrlProblem(value: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u0020\u007f-\u00a0\\]/.test(value)) return `${IMAGE_RULE}; it must not contain spaces, control characters or backslashes`;
  if (value.startsWith('/')) return imagePathProblem(value);
  let url: ParsedUrl;
  try {
    url = new URL(value);
  } catch {
    return `${IMAGE_RULE}; this is neither`;
  }
  if (url.protocol !== 'https:') return `${IMAGE_RULE}; ${url.protocol} is not allowed`;
  if (url.username || url.password) return `${IMAGE_RULE}; it must not carry a user name or password`;
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  const problem = hostProblem(host);
  return problem ? `${IMAGE_RULE}; ${problem}` : null;
}

function imagePathProblem(path: string): string | null {
  if (!IMAGE_PATH_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    return `${IMAGE_RULE}; the path ${JSON.stringify(path.slice(0, 40))} is outside them`;
  }
  if (/[?#]/.test(path)) return `${IMAGE_RULE}; a path must not have a query or fragment`;
  if (/%(?:2e|2f|5c|00)/i.test(path)) return `${IMAGE_RULE}; a path must not encode '.', '/', '\\' or NUL`;
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return `${IMAGE_RULE}; a path must not contain '//', '.' or '..' segments`;
  return null;
}

/**
 * Why `host` (a URL's hostname, lower case, IPv6 in brackets) is not a public host, or null when it is: the rule of
 * imageUrlProblem, for other URLs that must point at the public internet (merchants' webhook endpoints).
 */
export function publicHostProblem(host: string): string | null {
  return hostProblem(host.replace(/\.$/, '').toLowerCase());
}

function hostProblem(host: string): string | null {
  if (host.startsWith('[')) {
    const groups = parseIPv6(host.slice(1, -1));
    if (!groups) return `${host} is not a valid IPv6 address`;
    const range = ipv6Range(groups);
    return range ? `${host} is ${range}, not a public host` : null;
  }
  const v4 = parseIPv4(host);
  if (v4) {
    const range = ipv4Range(v4);
    return range ? `${host} is ${range}, not a public host` : null;
  }
  if (!host.includes('.')) return `${host} is a single-label name, not a public host`;
  for (const suffix of ['localhost', 'local', 'internal', 'home.arpa']) {
    if (host === suffix || host.endsWith(`.${suffix}`)) return `${host} is a local or internal name (*.${suffix}), not a public host`;
  }
  return null;
}

/** The four octets of a dotted-quad IPv4 address (the URL parser turns 0x7f.1, 2130706433... into this form). */
export function parseIPv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted quad allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  let head = text;
  let tail: number[] = [];
  const quad = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(head);
  if (quad?.[1]) {
    const v4 = parseIPv4(quad[1]);
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = head.slice(0, head.length - quad[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined): number[] | null => {
    if (!part) return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  if (!left || !right) return null;
  const given = left.length + right.length + tail.length;
  if (halves.length === 1) return given === 8 ? [...left, ...tail] : null;
  if (given > 7) return null;
  return [...left, ...Array<number>(8 - given).fill(0), ...right, ...tail];
}

/** The non-public range `octets` falls in (a phrase for the error message), or null for a public address. */
export function ipv4Range(octets: readonly number[]): string | null {
  const [a = 0, b = 0] = octets;
  if (a === 0) return 'an unspecified address (0.0.0.0/8)';
  if (a === 10) return 'a private address (10.0.0.0/8)';
  if (a === 100 && b >= 64 && b <= 127) return 'a carrier-grade NAT address (100.64.0.0/10)';
  if (a === 127) return 'a loopback address (127.0.0.0/8)';
  if (a === 169 && b === 254) return 'a link-local address (169.254.0.0/16, cloud metadata included)';
  if (a === 172 && b >= 16 && b <= 31) return 'a private address (172.16.0.0/12)';
  if (a === 192 && b === 168) return 'a private address (192.168.0.0/16)';
  if (a >= 224 && a <= 239) return 'a multicast address (224.0.0.0/4)';
  if (a >= 240) return 'a reserved or broadcast address (240.0.0.0/4)';
  return null;
}

/** The non-public range 16-bit `groups` fall in, or null for a public address; embedded IPv4 is checked as IPv4. */
export function ipv6Range(groups: readonly number[]): string | null {
  const g = (i: number) => groups[i] ?? 0;
  const embedded = () => [g(6) >> 8, g(6) & 0xff, g(7) >> 8, g(7) & 0xff];
  const zeroUpTo = (n: number) => groups.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(5) && g(5) === 0xffff) {
    const range = ipv4Range(embedded());
    return range ? `an IPv4-mapped address of ${range}` : null;
  }
  if (zeroUpTo(6)) return 'an unspecified, loopback or IPv4-compatible address (::/96)';
  if (g(0) === 0x64 && g(1) === 0xff9b && groups.slice(2, 6).every((x) => x === 0)) {
    const range = ipv4Range(embedded());
    return range ? `a NAT64 address of ${range}` : null;
  }
  if ((g(0) & 0xfe00) === 0xfc00) return 'a unique local address (fc00::/7)';
  if ((g(0) & 0xffc0) === 0xfe80) return 'a link-local address (fe80::/10)';
  if ((g(0) & 0xffc0) === 0xfec0) return 'a site-local address (fec0::/10)';
  if ((g(0) & 0xff00) === 0xff00) return 'a multicast address (ff00::/8)';
  return null;
}

/**
 * A product image: a same-origin path under /samples/ or /uploads/, or an https URL on a public host (see
 * imageUrlProblem); the error says which and why.
 */
export const ImageUrl = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const problem = imageUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    'An https URL on a public host (no IP literal of a private, loopback or link-local range, no localhost or *.local), or a path on this server under /samples/ or /uploads/',
  );

/** Human text of bounded length with control characters removed (titles, names). */
export const PlainText = (max: number) =>
  z
    .string()
    .max(max * 4)
    // Control and invisible characters are exactly what this strips.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the class lists the characters to remove
    .transform((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '').trim())
    .pipe(z.string().min(1, 'must not be empty').max(max));
