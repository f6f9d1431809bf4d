import { expect, it } from 'vitest';
import { hostCrashDrill } from '../../harness/drills.ts';

// Its own redis-server (the drill kills it and restores its AOF from a copy), the run's PostgreSQL as the ledger.
it('a host crash (node and Redis SIGKILLed, Redis back from a 1 s old AOF): no acknowledged order lost, nobody charged twice, stock conserved, limits held', async () => {
  const report = await hostCrashDrill({ buyers: 60, quantity: 80 });
  console.log('host crash drill:', JSON.stringify(report.figures));
  expect(report.violations).toEqual([]);
  expect((report.figures.byStatus as Record<string, number>).paid).toBeGreaterThan(0);
}, 240_000);
