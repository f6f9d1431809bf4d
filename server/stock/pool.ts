/**
 * A stock pool is the Redis hash the order scripts reserve from. There are two kinds, one contract:
 *
 * - `sku`: a SKU's list-price stock (`stockKeys.sku`), created with its product by the catalog (`newSkuPool`), or, for
 *   a shop product's SKU, by server/stock/shopStock.ts: ONE pool per shop SKU (roomId '', plus `shopId`), which every
 *   channel sells from (each room that selected the product, replays, clips, the storefront, search).
 * - `sale`: a flash sale's allocation (`stockKeys.sale`), created by schedule.lua; its units were taken from its SKU
 *   pool (the sale's *parent*) when it was scheduled and go back there when it ends.
 *
 * Fields every pool has: `kind roomId productId skuId title price currency state start end limit left reserved sold`.
 * `state` is `scheduled | live | ended`; `start`/`end` are the sale window in ms (0: none); `limit` is the per-buyer
 * cap on active units (0: none); `price` is the unit price in minor units that orders copy when they reserve.
 * SKU pools add `total allocated`, sale pools add `saleId quantity returned`.
 *
 * Invariants (kept by the Lua scripts in server/stock/lua, the only writers of the counters; as code: poolViolations):
 * - SKU:  total    = left + reserved + sold + allocated, and allocated = what its sales still hold (left + reserved)
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

/**
 * The stock invariants, stated once as code: what must hold of a SKU pool and its sales' pools after every script.
 * Returns one line per broken rule (empty when all hold). test/stock/invariant.test.ts runs it after every operation.
 */
export function poolViolations(sku: PoolCounts, sales: readonly PoolCounts[]): string[] {
  const out: string[] = [];
  const neg = (name: string, c: PoolCounts) => {
    for (const f of POOL_COUNT_FIELDS) if (c[f] < 0) out.push(`${name}.${f} = ${c[f]} < 0`);
  };
  neg('sku', sku);
  if (sku.total !== sku.left + sku.reserved + sku.sold + sku.allocated)
    out.push(`sku total ${sku.total} != left + reserved + sold + allocated (${JSON.stringify(sku)})`);
  let held = 0;
  sales.forEach((s, i) => {
    neg(`sale[${i}]`, s);
    if (s.quantity !== s.left + s.reserved + s.sold + s.returned)
      out.push(`sale[${i}] quantity ${s.quantity} != left + reserved + sold + returned (${JSON.stringify(s)})`);
    held += s.left + s.reserved;
  });
  if (sku.allocated !== held) out.push(`sku allocated ${sku.allocated} != what its sales hold (${held})`);
  return out;
}

/** A new SKU pool's hash: all its units left, nothing reserved, sold or allocated. */
export function newSkuPool(o: {
  roomId: string;
  productId: string;
  skuId: string;
  title: string;
  price: number;
  currency: string;
  limit: number;
  stock: number;
  /** A shop SKU's pool (roomId ''): the shop, so every channel's order names its seller. */
  shopId?: string;
  /** 'ended' for an archived shop product's pool (seeded so recovery finds it; it sells nothing). */
  state?: 'live' | 'ended';
}): Record<string, string | number> {
  return {
    kind: 'sku',
    roomId: o.roomId,
    ...(o.shopId ? { shopId: o.shopId } : {}),
    productId: o.productId,
    skuId: o.skuId,
    title: o.title,
    price: o.price,
    currency: o.currency,
    state: o.state ?? 'live',
    start: 0,
    end: 0,
    limit: o.limit,
    left: o.stock,
    reserved: 0,
    sold: 0,
    allocated: 0,
    total: o.stock,
  };
}
