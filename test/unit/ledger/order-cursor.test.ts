import { expect, it } from 'vitest';
import { CursorError, decodeCursor, encodeCursor } from '../../../server/ledger/orders.ts';

it('a cursor round-trips the exact created_at text (microseconds and zone kept) and the order id', () => {
  const c = encodeCursor('2026-12-06 03:23:33.447123+00', 'ord_0001');
  expect(decodeCursor(c)).toEqual({ createdAt: '2026-12-06 03:23:33.447123+00', id: 'ord_0001' });
});

it('a cursor is opaque and safe in a query string (base64url: no +, / or =)', () => {
  const c = encodeCursor('2026-12-06T03:23:33.999999+00:00', 'x'.repeat(100));
  expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(c).not.toContain('2026');
});

it('two orders of the same microsecond get different cursors (the id breaks the tie)', () => {
  expect(encodeCursor('2026-12-06 03:23:33.447123+00', 'a')).not.toBe(encodeCursor('2026-12-06 03:23:33.447123+00', 'b'));
});

const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

it.each([
  ['not base64 JSON', 'not a cursor!'],
  ['empty', ''],
  ['an object, not a pair', forged({ createdAt: '2026-12-06 03:23:33+00', id: 'a' })],
  ['three items', forged(['2026-12-06 03:23:33+00', 'a', 'b'])],
  ['a number for the time', forged([1765000000000, 'a'])],
  ['a time that is not a timestamp (SQL in it)', forged(["2026'; DROP TABLE orders; --", 'a'])],
  ['a time too short', forged(['2026', 'a'])],
  ['an id over 128 characters', forged(['2026-12-06 03:23:33+00', 'x'.repeat(129)])],
])('rejects %s with CursorError', (_what, cursor) => {
  expect(() => decodeCursor(cursor)).toThrow(CursorError);
  expect(() => decodeCursor(cursor)).toThrow(/start again without it/);
});
