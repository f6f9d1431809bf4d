import { expect, it } from 'vitest';
import { newId } from '../../../server/kernel/ids.ts';

it('ids are URL-safe and never start with "-" (a spreadsheet formula in a CSV export, an option on a command line)', () => {
  // With one id in 64 starting with '-' before, 10,000 ids without one cannot happen by chance.
  const ids = Array.from({ length: 10_000 }, () => newId());
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{10}$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect(newId(16)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
});
