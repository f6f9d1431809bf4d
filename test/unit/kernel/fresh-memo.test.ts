import { expect, it } from 'vitest';
import { FreshMemo } from '../../../server/kernel/memo.ts';

it('believes an answer (null included) for its ttl, shares concurrent loads, forgets failures, and stays bounded', async () => {
  let loads = 0;
  let fail = false;
  const memo = new FreshMemo<string, string | null>(2, 1_000, async (k) => {
    loads++;
    if (fail) throw new Error('down');
    return k === 'none' ? null : `v:${k}:${loads}`;
  });
  const [a, b] = await Promise.all([memo.get('a', 0), memo.get('a', 10)]);
  expect([a, b, loads]).toEqual(['v:a:1', 'v:a:1', 1]);
  expect(await memo.get('a', 999)).toBe('v:a:1');
  expect(await memo.get('a', 1_000)).toBe('v:a:2'); // expired: loaded again
  expect(await memo.get('none', 0)).toBeNull();
  expect(await memo.get('none', 500)).toBeNull();
  expect(loads).toBe(3); // the null answer was believed too
  fail = true;
  await expect(memo.get('x', 0)).rejects.toThrow('down');
  fail = false;
  expect(await memo.get('x', 1)).toBe('v:x:5'); // a failure is not kept
  await memo.get('y', 2);
  await memo.get('z', 3);
  expect(await memo.get('a', 1_001)).toBe('v:a:8'); // 'a' was dropped past two entries
});

it('fresh() loads again at once, whatever the age, and keeps the new answer for its ttl', async () => {
  let loads = 0;
  const memo = new FreshMemo<string, number>(4, 1_000, async () => ++loads);
  expect(await memo.get('a', 0)).toBe(1);
  expect(await memo.fresh('a', 10)).toBe(2);
  expect(await memo.get('a', 500)).toBe(2);
  expect(loads).toBe(2);
});
