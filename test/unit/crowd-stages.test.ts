import { describe, expect, it } from 'vitest';
import { crowdSeries, dayIndexOf, periods, stageOn, type PersonFacts } from '../../server/crowd/stages.ts';

const D = dayIndexOf('2026-11-02'); // a Monday
const person = (userId: string, active: number[], paid: number[]): PersonFacts => ({ userId, active, paid });

describe('crowd stages', () => {
  it('moves a person from interested to first to repeat, and lapses them after N quiet days', () => {
    const p = person('a', [D, D + 1], [D + 2, D + 5]);
    expect(stageOn(p, D - 1, 30)).toBe('none');
    expect(stageOn(p, D, 30)).toBe('interested');
    expect(stageOn(p, D + 2, 30)).toBe('first');
    expect(stageOn(p, D + 5, 30)).toBe('repeat');
    expect(stageOn(p, D + 34, 30)).toBe('repeat');
    expect(stageOn(p, D + 35, 30)).toBe('lapsed');
    // A buyer known only by an order (storefront) is a buyer without having been interested first.
    expect(stageOn(person('b', [], [D]), D, 30)).toBe('first');
  });

  it('cuts weeks on Mondays (partial at the ends)', () => {
    expect(periods(D - 2, D + 8, 'week')).toEqual([
      [D - 2, D - 1],
      [D, D + 6],
      [D + 7, D + 8],
    ]);
    expect(periods(D, D + 1, 'day')).toEqual([
      [D, D],
      [D + 1, D + 1],
    ]);
  });

  it('counts stage sizes per day and the flows per period', () => {
    const people = [
      person('watcher', [D], []),
      person('once', [D], [D + 1]),
      person('twice', [D], [D, D + 2]),
      person('gone', [D - 10], []),
    ];
    const { stages, flows } = crowdSeries(people, D, D + 2, 'day', 5);
    expect(stages).toEqual([
      { day: '2026-11-02', interested: 2, first: 1, repeat: 0, lapsed: 1 },
      { day: '2026-11-03', interested: 1, first: 2, repeat: 0, lapsed: 1 },
      { day: '2026-11-04', interested: 1, first: 1, repeat: 1, lapsed: 1 },
    ]);
    expect(flows).toEqual([
      { start: '2026-11-02', newInterested: 3, converted: 1, returned: 0, lapsed: 0, revived: 0 },
      { start: '2026-11-03', newInterested: 0, converted: 1, returned: 0, lapsed: 0, revived: 0 },
      { start: '2026-11-04', newInterested: 0, converted: 0, returned: 1, lapsed: 0, revived: 0 },
    ]);
    // 'gone' lapsed before the range; watcher and once lapse within the week they arrived in: no one was active before.
    const week = crowdSeries(people, D, D + 6, 'week', 5);
    expect(week.flows).toEqual([{ start: '2026-11-02', newInterested: 3, converted: 2, returned: 0, lapsed: 0, revived: 0 }]);
  });

  it('revives a lapsed person who comes back', () => {
    const { flows } = crowdSeries([person('x', [D - 10, D + 1], [])], D, D + 1, 'day', 5);
    expect(flows.map((f) => f.revived)).toEqual([0, 1]);
  });
});
