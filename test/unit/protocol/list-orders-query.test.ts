import { expect, it } from 'vitest';
import { ListOrdersQuery } from '@hawker/protocol';

it('an empty query string means the first 50 orders of any status', () => {
  expect(ListOrdersQuery.parse({})).toEqual({ limit: 50 });
});

it('reads numbers from query-string text, and keeps a status and a cursor', () => {
  expect(ListOrdersQuery.parse({ status: 'paid', limit: '200', from: '0', to: '1765000000000', cursor: 'abc' })).toEqual({
    status: 'paid',
    limit: 200,
    from: 0,
    to: 1765000000000,
    cursor: 'abc',
  });
  expect(ListOrdersQuery.parse({ before: '123' }).before).toBe(123);
});

it.each([
  ['an unknown status', { status: 'shipped' }],
  ['limit 0', { limit: '0' }],
  ['limit over 200', { limit: '201' }],
  ['a fractional limit', { limit: '1.5' }],
  ['a limit that is not a number', { limit: 'ten' }],
  ['a negative from', { from: '-1' }],
  ['an empty cursor', { cursor: '' }],
  ['a cursor over 256 characters', { cursor: 'c'.repeat(257) }],
  ['an unknown parameter (a typo is an error, not ignored)', { stauts: 'paid' }],
])('refuses %s', (_what, query) => {
  expect(ListOrdersQuery.safeParse(query).success).toBe(false);
});
