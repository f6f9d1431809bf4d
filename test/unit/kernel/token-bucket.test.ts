import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { TokenBucket } from '../../../server/kernel/tokenBucket.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

it('starts full: a burst is granted at once, then nothing until time passes', () => {
  const b = new TokenBucket({ ratePerSec: 10, burst: 5 });
  expect(b.take(3)).toBe(3);
  expect(b.take(3)).toBe(2); // only what is left: a partial grant
  expect(b.take()).toBe(0);
});

it('refills continuously at ratePerSec, granting whole tokens only and keeping the fraction', () => {
  const b = new TokenBucket({ ratePerSec: 10, burst: 5 });
  b.take(5);
  vi.advanceTimersByTime(250); // 2.5 tokens
  expect(b.take(5)).toBe(2);
  vi.advanceTimersByTime(50); // 0.5 kept + 0.5
  expect(b.take(5)).toBe(1);
  expect(b.take(5)).toBe(0);
});

it('never holds more than burst, however long it was idle', () => {
  const b = new TokenBucket({ ratePerSec: 100, burst: 4 });
  vi.advanceTimersByTime(60_000);
  expect(b.take(10)).toBe(4);
  expect(b.take()).toBe(0);
});

it('take(0) grants nothing and costs nothing', () => {
  const b = new TokenBucket({ ratePerSec: 1, burst: 1 });
  expect(b.take(0)).toBe(0);
  expect(b.take()).toBe(1);
});
