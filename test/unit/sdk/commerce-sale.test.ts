import { expect, it } from 'vitest';
import {
  applyCommerceEvent,
  commerceStateFromSnapshot,
  type CommerceEvent,
  type CommerceState,
} from '../../../client-sdk/src/state/commerce.ts';
import { sale, snapshot } from './fixtures.ts';

const s0 = commerceStateFromSnapshot(snapshot());
const apply = (s: CommerceState, ...events: CommerceEvent[]) => events.reduce(applyCommerceEvent, s);

it('a sale is scheduled, starts, sells with live counters, sells out and ends', () => {
  const scheduled = apply(s0, { event: 'sale:scheduled', payload: sale({ state: 'scheduled', startsAt: 5_000 }) });
  expect(scheduled.sale?.state).toBe('scheduled');

  const live = apply(scheduled, { event: 'sale:started', payload: sale({ startsAt: 5_000 }) });
  expect(live.sale?.state).toBe('live');
  expect(live.stock.sales.sale1).toEqual({ left: 10, sold: 0 });

  const selling = apply(live, {
    event: 'stock:update',
    payload: { roomId: 'r1', sales: [{ saleId: 'sale1', left: 4, sold: 6 }], skus: [] },
  });
  expect(selling.sale).toMatchObject({ state: 'live', left: 4, sold: 6 });
  expect(selling.stock.sales.sale1).toEqual({ left: 4, sold: 6 });

  const soldOut = apply(selling, { event: 'sale:soldout', payload: { roomId: 'r1', saleId: 'sale1' } });
  expect(soldOut.sale).toMatchObject({ state: 'live', left: 0, sold: 6 });
  expect(soldOut.stock.sales.sale1).toEqual({ left: 0, sold: 6 });

  const ended = apply(soldOut, { event: 'sale:ended', payload: { roomId: 'r1', saleId: 'sale1', reason: 'time is up', sold: 9 } });
  expect(ended.sale).toMatchObject({ state: 'ended', endedReason: 'time is up', left: 0, sold: 9 });
  expect(ended.stock.sales.sale1).toEqual({ left: 0, sold: 9 });
});

it('ending moves the unsold units to returned (the server gives them back to the SKU)', () => {
  const s = apply(
    s0,
    { event: 'sale:started', payload: sale({ left: 3, sold: 7 }) },
    { event: 'sale:ended', payload: { roomId: 'r1', saleId: 'sale1', reason: 'ended by the host', sold: 7 } },
  );
  expect(s.sale).toMatchObject({ state: 'ended', left: 0, sold: 7, returned: 3 });
});

it('a sale never goes back: a late start after the end, or a late schedule after the start, is ignored', () => {
  const ended = apply(
    s0,
    { event: 'sale:started', payload: sale() },
    { event: 'sale:ended', payload: { roomId: 'r1', saleId: 'sale1', reason: 'x', sold: 0 } },
  );
  expect(apply(ended, { event: 'sale:started', payload: sale() })).toBe(ended);
  const live = apply(s0, { event: 'sale:started', payload: sale() });
  expect(apply(live, { event: 'sale:scheduled', payload: sale({ state: 'scheduled' }) })).toBe(live);
  expect(apply(ended, { event: 'sale:ended', payload: { roomId: 'r1', saleId: 'sale1', reason: 'x', sold: 0 } })).toBe(ended);
});

it('which sale shows: a live one over a scheduled one, the sooner of two scheduled, any after the last ended', () => {
  const live = apply(s0, { event: 'sale:started', payload: sale() });
  const next = sale({ id: 'sale2', state: 'scheduled', startsAt: 90_000 });
  // A sale scheduled for later does not hide the one selling now; its pool is still known.
  const s = apply(live, { event: 'sale:scheduled', payload: next });
  expect(s.sale?.id).toBe('sale1');
  expect(s.stock.sales.sale2).toEqual({ left: 10, sold: 0 });
  expect(apply(s, { event: 'sale:started', payload: { ...next, state: 'live' } }).sale?.id).toBe('sale2');

  const later = apply(s0, { event: 'sale:scheduled', payload: next });
  expect(apply(later, { event: 'sale:scheduled', payload: sale({ id: 'sale3', state: 'scheduled', startsAt: 80_000 }) }).sale?.id).toBe(
    'sale3',
  );
  expect(apply(later, { event: 'sale:scheduled', payload: sale({ id: 'sale3', state: 'scheduled', startsAt: 95_000 }) }).sale?.id).toBe(
    'sale2',
  );

  const ended = apply(live, { event: 'sale:ended', payload: { roomId: 'r1', saleId: 'sale1', reason: 'x', sold: 0 } });
  expect(apply(ended, { event: 'sale:scheduled', payload: next }).sale?.id).toBe('sale2');
});

it('a sale read through the API (the studio launching one) applies like its push', () => {
  const launched = sale({ left: 20, quantity: 20 });
  expect(apply(s0, { event: 'sale', payload: launched }).sale).toBe(launched);
});

it('sold out and ended for another sale leave the sale shown alone', () => {
  const live = apply(s0, { event: 'sale:started', payload: sale() });
  const s = apply(
    live,
    { event: 'sale:soldout', payload: { roomId: 'r1', saleId: 'old' } },
    { event: 'sale:ended', payload: { roomId: 'r1', saleId: 'old', reason: 'x', sold: 5 } },
  );
  expect(s.sale).toBe(live.sale);
  expect(s.stock.sales.old).toEqual({ left: 0, sold: 5 });
});

it('sale pushes of another room are ignored', () => {
  expect(apply(s0, { event: 'sale:started', payload: sale({ roomId: 'r2' }) })).toBe(s0);
  const live = apply(s0, { event: 'sale:started', payload: sale() });
  expect(apply(live, { event: 'sale:ended', payload: { roomId: 'r2', saleId: 'sale1', reason: 'x', sold: 1 } })).toBe(live);
});
