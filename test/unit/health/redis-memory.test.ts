import { describe, expect, it } from 'vitest';
import { headroom, memoryConfigProblems, parseMemoryInfo } from '../../../server/health/redisMemory.ts';

const INFO = [
  '# Memory',
  'used_memory:1048576',
  'used_memory_human:1.00M',
  'used_memory_rss:9437184',
  'maxmemory:4194304',
  'maxmemory_human:4.00M',
  'maxmemory_policy:noeviction',
  '',
].join('\r\n');

describe('Redis memory headroom', () => {
  it('parses INFO memory (CRLF lines, the _human fields ignored)', () => {
    expect(parseMemoryInfo(INFO)).toEqual({ usedBytes: 1_048_576, maxBytes: 4_194_304, policy: 'noeviction' });
    expect(() => parseMemoryInfo('# Memory\r\n')).toThrow(/used_memory/);
  });

  it('is ok below the warn ratio, low at or above it, full at maxmemory, unbounded without one', () => {
    const at = (used: number, max = 1000) => headroom({ usedBytes: used, maxBytes: max, policy: 'noeviction' }, 0.8);
    expect(at(500)).toEqual({ usedBytes: 500, maxBytes: 1000, usedRatio: 0.5, warnRatio: 0.8, status: 'ok' });
    expect(at(799).status).toBe('ok');
    expect(at(800).status).toBe('low');
    expect(at(999).status).toBe('low');
    expect(at(1000).status).toBe('full');
    expect(at(1200).status).toBe('full');
    expect(at(5000, 0)).toEqual({ usedBytes: 5000, maxBytes: 0, usedRatio: null, warnRatio: 0.8, status: 'unbounded' });
  });

  it('names what is unsafe in the settings: an evicting policy (money keys) and no maxmemory', () => {
    expect(memoryConfigProblems({ maxBytes: 1 << 30, policy: 'noeviction' })).toEqual([]);
    const evicting = memoryConfigProblems({ maxBytes: 1 << 30, policy: 'allkeys-lru' });
    expect(evicting).toHaveLength(1);
    expect(evicting[0]).toMatch(/allkeys-lru.*EVICTS.*orders.*noeviction/);
    const unbounded = memoryConfigProblems({ maxBytes: 0, policy: 'noeviction' });
    expect(unbounded).toHaveLength(1);
    expect(unbounded[0]).toMatch(/maxmemory is 0/);
    expect(memoryConfigProblems({ maxBytes: 0, policy: 'volatile-lru' })).toHaveLength(2);
  });
});
