import { expect, it } from 'vitest';
import { PlaceOrderInput } from '@hawker/protocol';

const sale = { roomId: 'r1', saleId: 's1', quantity: 1, idempotencyKey: 'key-0001' };
const list = { roomId: 'r1', productId: 'p1', skuId: 'k1', quantity: 2, idempotencyKey: 'key-0002' };

it('accepts an order from a flash sale and one at list price, unchanged', () => {
  expect(PlaceOrderInput.parse(sale)).toEqual(sale);
  expect(PlaceOrderInput.parse(list)).toEqual(list);
});

it.each([
  ['a price from the client (prices come from the server)', { ...sale, unitPrice: 1 }],
  ['both a sale and a SKU', { ...sale, productId: 'p1', skuId: 'k1' }],
  ['neither a sale nor a SKU', { roomId: 'r1', quantity: 1, idempotencyKey: 'key-0001' }],
  ['quantity 0', { ...sale, quantity: 0 }],
  ['quantity 100', { ...sale, quantity: 100 }],
  ['a fractional quantity', { ...sale, quantity: 1.5 }],
  ['a quantity as a string', { ...sale, quantity: '1' }],
  ['an idempotency key under 8 characters', { ...sale, idempotencyKey: 'short' }],
  ['an idempotency key with a space', { ...sale, idempotencyKey: 'key 00001' }],
  ['a room id with a Redis key separator', { ...sale, roomId: 'r1:x' }],
  ['no idempotency key', { roomId: 'r1', saleId: 's1', quantity: 1 }],
])('refuses %s', (_what, input) => {
  expect(PlaceOrderInput.safeParse(input).success).toBe(false);
});
