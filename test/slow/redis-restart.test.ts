import { expect, it } from 'vitest';
import { redisRestartDrill } from '../../harness/drills.ts';

// Its own redis-server (the drill kills it), not the run's shared one.
it('restart Redis (AOF) during a flash sale: no order lost or charged twice, stock conserved, clients consistent', async () => {
  const report = await redisRestartDrill({ buyers: 60, quantity: 40, downMs: 2_000 });
  console.log('redis restart drill:', JSON.stringify(report.figures));
  expect(report.violations).toEqual([]);
  expect((report.figures.byStatus as Record<string, number>).paid).toBeGreaterThan(0);
}, 180_000);
