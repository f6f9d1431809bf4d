import { expect, inject, it } from 'vitest';
import { randomPrefix } from '../../harness/node.ts';
import { fuzzDrill } from '../../harness/drills.ts';

it('random and malformed socket events and REST bodies during a flash sale: typed answers only, still serving, money and stock intact', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  const report = await fuzzDrill({
    redisUrl: inject('redisUrl'),
    prefix: randomPrefix(),
    events: 3_000,
    restBodies: 2_000,
    connections: 50,
    buyers: 40,
    quantity: 30,
    seed,
  });
  console.log(`malformed input drill (seed ${seed}):`, JSON.stringify(report.figures));
  expect(report.violations, `seed ${seed}`).toEqual([]);
  // The fuzz reached the validation layer on both edges, and the legitimate buyers still bought.
  expect((report.figures.socketOutcomes as Record<string, number>).BAD_REQUEST).toBeGreaterThan(100);
  expect((report.figures.restOutcomes as Record<string, number>)[400]).toBeGreaterThan(100);
  expect((report.figures.byStatus as Record<string, number>).paid).toBeGreaterThan(0);
}, 180_000);
