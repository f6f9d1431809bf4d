import { expect, it } from 'vitest';
import { ImmutableMemo } from '../../../server/kernel/memo.ts';

it('ImmutableMemo shares one load per key, forgets misses and failures, and drops the oldest entry past its bound', async () => {
  const loads: string[] = [];
  let fail = false;
  const memo = new ImmutableMemo<string, { v: string }>(2, async (key) => {
    loads.push(key);
    if (fail) throw new Error('redis down');
    return key.startsWith('missing') ? null : { v: key.toUpperCase() };
  });

  const [a1, a2] = await Promise.all([memo.get('a'), memo.get('a')]);
  expect(a1).toEqual({ v: 'A' });
  expect(a2).toBe(a1);
  expect(loads).toEqual(['a']);

  expect(await memo.get('missing')).toBeNull();
  expect(await memo.get('missing')).toBeNull();
  expect(loads).toEqual(['a', 'missing', 'missing']);

  fail = true;
  await expect(memo.get('b')).rejects.toThrow('redis down');
  fail = false;
  expect(await memo.get('b')).toEqual({ v: 'B' });
  expect(loads).toEqual(['a', 'missing', 'missing', 'b', 'b']);

  await memo.get('c'); // bound 2: 'a' (oldest) goes
  await memo.get('b');
  await memo.get('a');
  expect(loads).toEqual(['a', 'missing', 'missing', 'b', 'b', 'c', 'a']);
});
