import { expect, it } from 'vitest';
import { DenyCache } from '../../../server/kernel/denyCache.ts';
import { RefusalLog } from '../../../server/kernel/refusalLog.ts';
import type { Logger } from '../../../server/kernel/log.ts';

it('denies a key until its deadline, keeps the later deadline, and forgets expired keys', () => {
  const cache = new DenyCache<string>(10);
  const now = Date.now();
  cache.deny('u1', now + 1_000, 'first');
  expect(cache.get('u1', now)).toEqual({ value: 'first', msLeft: 1_000 });
  cache.deny('u1', now + 500, 'earlier'); // an earlier deadline never shortens a denial
  expect(cache.get('u1', now)?.value).toBe('first');
  cache.deny('u1', now + 2_000, 'later');
  expect(cache.get('u1', now)).toEqual({ value: 'later', msLeft: 2_000 });
  expect(cache.get('u1', now + 2_000)).toBeUndefined(); // expired: gone
  expect(cache.size).toBe(0);
  expect(cache.get('never', now)).toBeUndefined();
});

it('stays bounded under a flood of distinct keys: expired entries go first, then the oldest', () => {
  const cache = new DenyCache(100);
  const now = Date.now();
  for (let i = 0; i < 100_000; i++) cache.deny(`client${i}`, now + 60_000, true);
  expect(cache.size).toBe(100);
  // The newest are remembered, the oldest forgotten (the authoritative limiter behind the cache still refuses them).
  expect(cache.get('client99999', now)).toBeDefined();
  expect(cache.get('client99900', now)).toBeDefined();
  expect(cache.get('client0', now)).toBeUndefined();
  expect(cache.get('client99899', now)).toBeUndefined();

  const mixed = new DenyCache(3);
  mixed.deny('old-but-long', now + 60_000, true);
  mixed.deny('short', Date.now() - 1, true); // already expired
  mixed.deny('b', now + 60_000, true);
  mixed.deny('c', now + 60_000, true); // full: the expired one makes room, not the oldest
  expect(mixed.size).toBe(3);
  expect(mixed.get('old-but-long', now)).toBeDefined();
  expect(() => new DenyCache(0)).toThrow();
});

it('RefusalLog: a flood of refusals is one line per interval, with counts by limit and a few cut clients named', () => {
  const lines: { level: string; obj: Record<string, unknown> }[] = [];
  const log = {
    info: (obj: Record<string, unknown>) => lines.push({ level: 'info', obj }),
    warn: (obj: Record<string, unknown>) => lines.push({ level: 'warn', obj }),
  } as unknown as Logger;
  const refusals = new RefusalLog(log, 3_600_000);
  for (let i = 0; i < 50_000; i++) refusals.count('LIKES_PER_USER_PER_SEC');
  for (let i = 0; i < 20; i++) refusals.cut('SOCKET_CUT_REFUSALS', `u${i}`);
  expect(lines).toEqual([]);
  refusals.flush();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    level: 'warn',
    obj: {
      refused: { LIKES_PER_USER_PER_SEC: 50_000 },
      cuts: { SOCKET_CUT_REFUSALS: { count: 20, sample: ['u0', 'u1', 'u2', 'u3', 'u4'] } },
    },
  });
  refusals.flush(); // nothing new: nothing logged
  refusals.count('REST_RATE_PER_IP_PER_MIN');
  refusals.close();
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatchObject({ level: 'info', obj: { refused: { REST_RATE_PER_IP_PER_MIN: 1 } } });
});
