import { afterEach, expect, it, vi } from 'vitest';
import { cappedBackoff } from '../../../server/payments/worker.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

it('without jitter (random 0.5) the delay doubles per attempt from the base, and stops growing at 32x', () => {
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
  const delay = cappedBackoff(100);
  expect([1, 2, 3, 4, 5, 6, 7, 10, 50].map(delay)).toEqual([100, 200, 400, 800, 1600, 3200, 3200, 3200, 3200]);
});

it('attempt 0 (or a negative count) waits the base delay, not less', () => {
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
  expect(cappedBackoff(100)(0)).toBe(100);
  expect(cappedBackoff(100)(-3)).toBe(100);
});

it('jitter spreads a delay over ±25%: random 0 gives 75%, random just under 1 gives just under 125%', () => {
  const random = vi.spyOn(Math, 'random');
  random.mockReturnValue(0);
  expect(cappedBackoff(1_000)(1)).toBe(750);
  expect(cappedBackoff(1_000)(3)).toBe(3_000);
  random.mockReturnValue(0.999999);
  expect(cappedBackoff(1_000)(1)).toBe(1_250);
  expect(cappedBackoff(1_000)(6)).toBe(40_000);
});

it('with real randomness every delay stays within the band of its attempt, whole milliseconds, and they are not all equal', () => {
  const delay = cappedBackoff(1_000);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const d = delay(2);
    expect(Number.isInteger(d)).toBe(true);
    expect(d).toBeGreaterThanOrEqual(1_500);
    expect(d).toBeLessThanOrEqual(2_500);
    seen.add(d);
  }
  expect(seen.size).toBeGreaterThan(10); // a retry burst spreads out
});
