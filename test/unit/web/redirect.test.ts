import { expect, it } from 'vitest';
import { safeNextPath } from '../../../web/pages/lib/redirect.ts';

const ORIGIN = 'http://127.0.0.1:3000';

it.each([
  ['/studio', '/studio'],
  ['/room?id=r1', '/room?id=r1'],
  ['/console#queue', '/console#queue'],
  ['/room?id=r%201', '/room?id=r%201'],
  // Dot segments resolve within the site.
  ['/a/../studio', '/studio'],
  // A doubly encoded backslash stays an encoded path on this site (the server answers 404), never another host.
  ['/%5Cevil.example/', '/%5Cevil.example/'],
])('accepts a path of this site: %s', (next, path) => {
  expect(safeNextPath(next, ORIGIN)).toBe(path);
});

it.each([
  ['the issue: /\\evil.example/ (what /?next=/%5Cevil.example/ decodes to)', '/\\evil.example/'],
  ['protocol-relative', '//evil.example/'],
  ['backslash first', '\\\\evil.example/'],
  ['slash then backslash', '/\\/evil.example/'],
  ['tab between the slashes (the parser drops it)', '/\t/evil.example/'],
  ['newline between the slashes', '/\n/evil.example/'],
  ['carriage return', '/\r/evil.example'],
  ['NUL', '/\u0000/evil.example'],
  ['leading space', ' /studio'],
  ['absolute http URL', 'http://evil.example/'],
  ['absolute URL of this very origin (only paths are taken)', 'http://127.0.0.1:3000/studio'],
  ['scheme-relative with one slash', 'https:/evil.example'],
  ['javascript:', 'javascript:alert(1)'],
  ['javascript: with a leading slash lookalike', 'javascript://%0aalert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['relative path', 'studio'],
  ['empty', ''],
  ['absent', null],
  ['too long', `/${'a'.repeat(2048)}`],
  ['line separator', '/\u2028/evil.example'],
])('refuses %s', (_what, next) => {
  expect(safeNextPath(next, ORIGIN)).toBeNull();
});
