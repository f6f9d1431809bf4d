import type { CrowdFlow, CrowdStage, CrowdStageSizes } from '@hawker/protocol';

/** One person's facts towards a scope, as day indexes (days since 1970-01-01, UTC), ascending. */
export interface PersonFacts {
  userId: string;
  /** Days they showed interest (watched at least the minimum, liked, clicked, followed, searched). */
  active: number[];
  /** The day of each of their paid orders (one entry per order). */
  paid: number[];
}

/** A person's stage, or 'none' before anything is known of them. */
export type StageOrNone = CrowdStage | 'none';

const DAY_MS = 86_400_000;
/** Day index of a YYYY-MM-DD day. */
export const dayIndexOf = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
/** YYYY-MM-DD of a day index. */
export const dayOfIndex = (i: number) => new Date(i * DAY_MS).toISOString().slice(0, 10);

/** How many of `sorted` are <= `d`. */
function countUpTo(sorted: readonly number[], d: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A person's stage at the end of day `d`: lapsed when their last activity (interest or paid order) is `lapsedDays` or
 * more days before `d`; otherwise by paid orders so far: none → interested (种草), one → first (拉新), two or more →
 * repeat (复购). A person known only by an order is a buyer without having been interested first.
 */
export function stageOn(p: PersonFacts, d: number, lapsedDays: number): StageOrNone {
  const a = countUpTo(p.active, d);
  const paid = countUpTo(p.paid, d);
  const last = Math.max(a ? p.active[a - 1]! : -Infinity, paid ? p.paid[paid - 1]! : -Infinity);
  if (last === -Infinity) return 'none';
  if (d - last >= lapsedDays) return 'lapsed';
  return paid === 0 ? 'interested' : paid === 1 ? 'first' : 'repeat';
}

/** Periods covering [from, to]: single days, or weeks starting on Monday (the first and last may be partial). */
export function periods(from: number, to: number, period: 'day' | 'week'): [number, number][] {
  const out: [number, number][] = [];
  let a = from;
  while (a <= to) {
    // Day index 0 (1970-01-01) was a Thursday: Monday is (i + 3) % 7 === 0.
    const b = period === 'day' ? a : Math.min(to, a + (6 - ((a + 3) % 7)));
    out.push([a, b]);
    a = b + 1;
  }
  return out;
}

/** Stage sizes for each day in [from, to], and the flows of each period. */
export function crowdSeries(
  people: readonly PersonFacts[],
  from: number,
  to: number,
  period: 'day' | 'week',
  lapsedDays: number,
): { stages: CrowdStageSizes[]; flows: CrowdFlow[] } {
  const stages: CrowdStageSizes[] = [];
  for (let d = from; d <= to; d++) stages.push({ day: dayOfIndex(d), interested: 0, first: 0, repeat: 0, lapsed: 0 });
  const ps = periods(from, to, period);
  const flows: CrowdFlow[] = ps.map(([a]) => ({
    start: dayOfIndex(a),
    newInterested: 0,
    converted: 0,
    returned: 0,
    lapsed: 0,
    revived: 0,
  }));
  for (const p of people) {
    for (let d = from; d <= to; d++) {
      const s = stageOn(p, d, lapsedDays);
      if (s !== 'none') stages[d - from]![s]++;
    }
    ps.forEach(([a, b], i) => {
      const before = stageOn(p, a - 1, lapsedDays);
      const after = stageOn(p, b, lapsedDays);
      const paidBefore = countUpTo(p.paid, a - 1);
      const paidIn = countUpTo(p.paid, b) - paidBefore;
      const f = flows[i]!;
      if (before === 'none' && after !== 'none') f.newInterested++;
      if (paidBefore === 0 && paidIn > 0) f.converted++;
      if (paidBefore > 0 && paidIn > 0) f.returned++;
      if (before !== 'none' && before !== 'lapsed' && after === 'lapsed') f.lapsed++;
      if (before === 'lapsed' && after !== 'lapsed') f.revived++;
    });
  }
  return { stages, flows };
}
