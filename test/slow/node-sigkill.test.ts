import { expect, inject, it } from 'vitest';
import { randomPrefix } from '../../harness/node.ts';
import { nodeKillDrill } from '../../harness/drills.ts';

it('SIGKILL a node process during a flash sale with orders in flight: no order lost or charged twice, stock conserved, clients consistent', async () => {
  const report = await nodeKillDrill({ redisUrl: inject('redisUrl'), prefix: randomPrefix(), buyers: 60, quantity: 40 });
  console.log('node SIGKILL drill:', JSON.stringify(report.figures));
  expect(report.violations).toEqual([]);
  // The drill really hit orders in flight, and the survivors settled them.
  expect(report.figures.inFlightAtKill).toBeGreaterThan(0);
  expect((report.figures.byStatus as Record<string, number>).paid).toBeGreaterThan(0);
}, 180_000);
