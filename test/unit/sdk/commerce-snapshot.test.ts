import { expect, it } from 'vitest';
import { commerceStateFromSnapshot, skuKey } from '../../../client-sdk/src/state/commerce.ts';
import { order, pinned, product, sale, snapshot } from './fixtures.ts';

it('a join snapshot gives the pinned card, the flash sale, and the stock of both', () => {
  const card = pinned();
  const flash = sale({ left: 7, sold: 3 });
  const s = commerceStateFromSnapshot(snapshot([], { pinned: card, flashSale: flash }));
  expect(s.roomId).toBe('r1');
  expect(s.pinned).toBe(card);
  expect(s.sale).toBe(flash);
  expect(s.stock).toEqual({ skus: { [skuKey('p1', 's')]: 6, [skuKey('p1', 'm')]: 4 }, sales: { sale1: { left: 7, sold: 3 } } });
  expect(s.orders).toEqual({});
});

it('a room with nothing pinned and no sale has empty commerce', () => {
  const s = commerceStateFromSnapshot(snapshot());
  expect(s).toEqual({ roomId: 'r1', pinned: null, sale: null, stock: { skus: {}, sales: {} }, orders: {} });
});

it('the snapshot has no orders: the ones known before a resync are kept when passed', () => {
  const orders = { o1: { id: 'o1', status: 'paid' as const, reason: null, updatedAt: 500, order: order() } };
  const s = commerceStateFromSnapshot(snapshot([], { pinned: pinned(product({ id: 'p2' })) }), orders);
  expect(s.orders).toBe(orders);
  expect(s.stock.skus).toEqual({ [skuKey('p2', 's')]: 6, [skuKey('p2', 'm')]: 4 });
});
