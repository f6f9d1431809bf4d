/**
 * A stock pool is the Redis hash the order scripts reserve from. There are two kinds, one contract:
 *
 * - `sku`: a SKU's list-price stock, owned by the catalog (`catalogKeys.stock`).
 * - `sale`: a flash sale's allocation, owned by the flash-sale domain (`saleKeys.sale`); its units were taken from its
 *   SKU pool (the sale's *parent*) when it was scheduled and go back there when it ends.
 *
 * Fields every pool has: `kind roomId productId skuId title price currency state start end limit left reserved sold`.
 * `state` is `scheduled | live | ended`; `start`/`end` are the sale window in ms (0: none); `limit` is the per-buyer
 * cap on active units (0: none); `price` is the unit price in minor units that orders copy when they reserve.
 * SKU pools add `total allocated`, sale pools add `saleId quantity returned`.
 *
 * Invariants (kept by the Lua scripts that are the only writers of the counters, see docs/commerce.md):
 * - SKU:  total    = left + reserved + sold + allocated
 * - sale: quantity = left + reserved + sold + returned
 * - every counter is >= 0, so sold <= quantity: no oversell.
 */
export type PoolKind = 'sku' | 'sale';

/** The counter fields of a pool, as numbers. */
export interface PoolCounts {
  left: number;
  reserved: number;
  sold: number;
  /** SKU pools: units out on flash sales. */
  allocated: number;
  /** SKU pools: units ever stocked minus units withdrawn. */
  total: number;
  /** Sale pools: units allocated from the SKU. */
  quantity: number;
  /** Sale pools: units given back to the SKU after the sale ended. */
  returned: number;
}

export const POOL_COUNT_FIELDS = ['left', 'reserved', 'sold', 'allocated', 'total', 'quantity', 'returned'] as const;

/** Parses the counters of a pool hash (missing fields read as 0). */
export function poolCounts(values: readonly (string | null)[]): PoolCounts {
  const n = (i: number) => Number(values[i] ?? 0);
  return { left: n(0), reserved: n(1), sold: n(2), allocated: n(3), total: n(4), quantity: n(5), returned: n(6) };
}
