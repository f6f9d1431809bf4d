/**
 * Every Redis key that holds a stock counter, in one place. Catalog, flash-sale and orders name these keys through
 * here (their own key builders delegate), so which keys a stock script may touch is answered by one file.
 */
export const stockKeys = (p: string) => ({
  /** Hash: one SKU's list-price stock pool (server/stock/pool.ts). */
  sku: (productId: string, skuId: string) => `${p}catalog:stock:${productId}:${skuId}`,
  /** Hash: a flash sale's fields and its stock pool counters (server/stock/pool.ts). */
  sale: (saleId: string) => `${p}sale:${saleId}`,
  /** Hash buyerId -> active units (reserved, paying, paid) in one pool: the per-buyer limit. */
  units: (poolId: string) => `${p}orders:units:${poolId}`,
  /** Set: keys of stock pools whose counters changed since the last stock tick (every stock script adds to it). */
  dirty: `${p}catalog:stock-dirty`,
});
export type StockKeys = ReturnType<typeof stockKeys>;

/** Which stock pool an order draws from. */
export type PoolRef =
  | { kind: 'sale'; saleId: string; productId: string; skuId: string }
  | { kind: 'sku'; productId: string; skuId: string };

/** A pool's stable id (per-buyer usage and idempotency fingerprints use it). */
export function poolId(p: PoolRef): string {
  return p.kind === 'sale' ? `sale:${p.saleId}` : `sku:${p.productId}:${p.skuId}`;
}

/**
 * The per-pool lock of the benchmark-only `lock` stock step (server/stock/benchReserve.ts), next to its pool's key
 * so it carries the same prefix. Hawker's own reserve.lua needs no lock.
 */
export function benchLockKey(poolKey: string): string {
  return `${poolKey}:bench-lock`;
}

/** The pool's hash key. */
export function poolKey(keys: StockKeys, p: PoolRef): string {
  return p.kind === 'sale' ? keys.sale(p.saleId) : keys.sku(p.productId, p.skuId);
}
