import { expect, it } from 'vitest';
import { applyCommerceEvent, commerceStateFromSnapshot, skuKey } from '../../../client-sdk/src/state/commerce.ts';
import { pinned, sale, snapshot } from './fixtures.ts';

const s0 = commerceStateFromSnapshot(snapshot([], { pinned: pinned(), flashSale: sale() }));

it('one coalesced packet updates every pool it names, the sale shown and the pinned card at once', () => {
  const s = applyCommerceEvent(s0, {
    event: 'stock:update',
    payload: {
      roomId: 'r1',
      sales: [
        { saleId: 'sale1', left: 8, sold: 2 },
        { saleId: 'other', left: 1, sold: 4 },
      ],
      skus: [
        { productId: 'p1', skuId: 's', left: 3 },
        { productId: 'p9', skuId: 'x', left: 50 },
      ],
    },
  });
  expect(s.sale).toMatchObject({ id: 'sale1', left: 8, sold: 2 });
  expect(s.pinned?.product.skus.map((k) => [k.id, k.left])).toEqual([
    ['s', 3],
    ['m', 4],
  ]);
  expect(s.stock).toEqual({
    skus: { [skuKey('p1', 's')]: 3, [skuKey('p1', 'm')]: 4, [skuKey('p9', 'x')]: 50 },
    sales: { sale1: { left: 8, sold: 2 }, other: { left: 1, sold: 4 } },
  });
});

it('counts are absolute: the same packet again changes nothing, and what a packet does not name keeps its value', () => {
  const packet = { roomId: 'r1', sales: [{ saleId: 'sale1', left: 8, sold: 2 }], skus: [] };
  const once = applyCommerceEvent(s0, { event: 'stock:update', payload: packet });
  expect(applyCommerceEvent(once, { event: 'stock:update', payload: packet })).toBe(once);
  // Only the sale changed: the card and the SKU counts keep their identity, so a view re-renders the sale only.
  expect(once.pinned).toBe(s0.pinned);
  expect(once.stock.skus).toBe(s0.stock.skus);
  expect(
    applyCommerceEvent(s0, {
      event: 'stock:update',
      payload: { roomId: 'r1', sales: [], skus: [{ productId: 'p1', skuId: 'm', left: 4 }] },
    }),
  ).toBe(s0);
});

it('a later packet wins over an earlier one for the same pool', () => {
  const a = applyCommerceEvent(s0, {
    event: 'stock:update',
    payload: { roomId: 'r1', sales: [{ saleId: 'sale1', left: 8, sold: 2 }], skus: [{ productId: 'p1', skuId: 's', left: 5 }] },
  });
  // A release returned a unit: left can grow again.
  const b = applyCommerceEvent(a, {
    event: 'stock:update',
    payload: { roomId: 'r1', sales: [{ saleId: 'sale1', left: 9, sold: 1 }], skus: [{ productId: 'p1', skuId: 's', left: 6 }] },
  });
  expect(b.sale).toMatchObject({ left: 9, sold: 1 });
  expect(b.stock.skus[skuKey('p1', 's')]).toBe(6);
});

it('stock of another room is ignored', () => {
  expect(
    applyCommerceEvent(s0, { event: 'stock:update', payload: { roomId: 'r2', sales: [{ saleId: 'sale1', left: 0, sold: 10 }], skus: [] } }),
  ).toBe(s0);
});
