import { expect, it } from 'vitest';
import { newSkuPool, poolCounts, poolViolations, POOL_COUNT_FIELDS, type PoolCounts } from '../../../server/stock/pool.ts';

const counts = (c: Partial<PoolCounts>): PoolCounts => ({
  left: 0,
  reserved: 0,
  sold: 0,
  allocated: 0,
  total: 0,
  quantity: 0,
  returned: 0,
  ...c,
});

it('poolCounts reads the counter fields in POOL_COUNT_FIELDS order, a missing field as 0', () => {
  expect(POOL_COUNT_FIELDS).toEqual(['left', 'reserved', 'sold', 'allocated', 'total', 'quantity', 'returned']);
  expect(poolCounts(['5', '2', '3', '10', '20', null, '0'])).toEqual({
    left: 5,
    reserved: 2,
    sold: 3,
    allocated: 10,
    total: 20,
    quantity: 0,
    returned: 0,
  });
  expect(poolCounts([])).toEqual(counts({}));
});

it('a new SKU pool has all its stock left and satisfies the invariant', () => {
  const pool = newSkuPool({ roomId: 'r1', productId: 'p1', skuId: 's1', title: 'Mug', price: 1299, currency: 'USD', limit: 2, stock: 40 });
  expect(pool).toMatchObject({
    kind: 'sku',
    state: 'live',
    left: 40,
    total: 40,
    reserved: 0,
    sold: 0,
    allocated: 0,
    price: 1299,
    limit: 2,
  });
  const parsed = poolCounts(POOL_COUNT_FIELDS.map((f) => (f in pool ? String(pool[f]) : null)));
  expect(poolViolations(parsed, [])).toEqual([]);
});

it('a SKU with two sales holding units, some reserved, sold and returned: no violation', () => {
  // SKU: 100 stocked; 30 out on sales (a: 20 of 25 still held, b: 10 of 10); 50 left, 5 reserved, 15 sold at list price.
  const a = counts({ quantity: 25, left: 12, reserved: 8, sold: 3, returned: 2 });
  const b = counts({ quantity: 10, left: 10 });
  expect(poolViolations(counts({ total: 100, left: 50, reserved: 5, sold: 15, allocated: 30 }), [a, b])).toEqual([]);
});

it("names each broken rule: SKU total, a sale's quantity, what the sales hold, and negative counters", () => {
  const sku = counts({ total: 10, left: 10 });
  expect(poolViolations(counts({ total: 11, left: 10 }), [])).toEqual([
    expect.stringMatching(/^sku total 11 != left \+ reserved \+ sold \+ allocated/),
  ]);
  expect(poolViolations(counts({ total: 12, left: 10, allocated: 2 }), [counts({ quantity: 3, left: 2 })])).toEqual([
    expect.stringMatching(/^sale\[0\] quantity 3 != left \+ reserved \+ sold \+ returned/),
  ]);
  expect(poolViolations(counts({ total: 13, left: 10, allocated: 3 }), [counts({ quantity: 2, left: 2 })])).toEqual([
    'sku allocated 3 != what its sales hold (2)',
  ]);
  // An oversold sale: left went below zero (the counters still add up, which is why negatives are checked on their own).
  expect(poolViolations(sku, [counts({ quantity: 0, left: -1, sold: 1 })])).toEqual([
    'sale[0].left = -1 < 0',
    'sku allocated 0 != what its sales hold (-1)',
  ]);
  expect(poolViolations(counts({ total: 0, left: -2, sold: 2 }), [])).toEqual(['sku.left = -2 < 0']);
});
