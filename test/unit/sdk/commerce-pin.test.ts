import { expect, it } from 'vitest';
import { applyCommerceEvent, commerceStateFromSnapshot, skuKey } from '../../../client-sdk/src/state/commerce.ts';
import { pinned, product, snapshot } from './fixtures.ts';

const s0 = commerceStateFromSnapshot(snapshot());

it("product:pinned shows the card and records its SKUs' stock", () => {
  const card = pinned();
  const s = applyCommerceEvent(s0, { event: 'product:pinned', payload: card });
  expect(s.pinned).toBe(card);
  expect(s.stock.skus).toEqual({ [skuKey('p1', 's')]: 6, [skuKey('p1', 'm')]: 4 });
});

it('a newer pin replaces the card; a pin older than the card shown (pinnedAt) is ignored', () => {
  const first = applyCommerceEvent(s0, { event: 'product:pinned', payload: pinned(product(), 100) });
  const second = applyCommerceEvent(first, { event: 'product:pinned', payload: pinned(product({ id: 'p2', title: 'Lipstick' }), 200) });
  expect(second.pinned?.product.title).toBe('Lipstick');
  expect(applyCommerceEvent(second, { event: 'product:pinned', payload: pinned(product(), 100) })).toBe(second);
});

it('product:unpinned removes the card it names, and only that one', () => {
  const s = applyCommerceEvent(s0, { event: 'product:pinned', payload: pinned(product({ id: 'p2' }), 200) });
  // A late unpin of the product pinned before: the card shown stays.
  expect(applyCommerceEvent(s, { event: 'product:unpinned', payload: { roomId: 'r1', productId: 'p1' } })).toBe(s);
  expect(applyCommerceEvent(s, { event: 'product:unpinned', payload: { roomId: 'r1', productId: 'p2' } }).pinned).toBeNull();
  expect(applyCommerceEvent(s0, { event: 'product:unpinned', payload: { roomId: 'r1', productId: 'p2' } })).toBe(s0);
});

it('pins and unpins of another room are ignored', () => {
  expect(applyCommerceEvent(s0, { event: 'product:pinned', payload: { ...pinned(), roomId: 'r2' } })).toBe(s0);
  const s = applyCommerceEvent(s0, { event: 'product:pinned', payload: pinned() });
  expect(applyCommerceEvent(s, { event: 'product:unpinned', payload: { roomId: 'r2', productId: 'p1' } })).toBe(s);
});

it("a product read from the catalog updates its SKUs' stock, and the card if it is the one pinned", () => {
  const s = applyCommerceEvent(s0, { event: 'product:pinned', payload: pinned() });
  const read = product({ skus: product().skus.map((k) => ({ ...k, left: k.id === 's' ? 2 : k.left })) });
  const next = applyCommerceEvent(s, { event: 'product', payload: read });
  expect(next.stock.skus[skuKey('p1', 's')]).toBe(2);
  expect(next.pinned?.product.skus.map((k) => k.left)).toEqual([2, 4]);
  expect(applyCommerceEvent(next, { event: 'product', payload: read })).toBe(next);
});
