import type { Redis } from 'ioredis';
import type { HawkerIo } from '../kernel/context.ts';
import type { TickCast } from '../kernel/ticks.ts';
import type { StockUpdate } from '@hawker/protocol';
import { roomChannel } from '../kernel/channels.ts';
import type { CatalogKeys } from './store.ts';

/** Pools drained per tick; the rest wait for the next tick (bounds one tick's work). */
const MAX_POOLS_PER_TICK = 1_000;

/**
 * Live stock for big rooms: every script that changes a pool's counters adds the pool's key to the `stockDirty` set;
 * each tick, one node atomically takes the dirty keys (SPOP, so two nodes never announce the same change), reads their
 * counters, and sends each room ONE `stock:update` packet for all its changed pools. The broadcast rate is therefore
 * bounded by the tick, never by the order rate. A sale that reaches zero left is announced once with `sale:soldout`
 * (HSETNX on the pool; reservation releases clear the flag so a sale can sell out again).
 *
 * Best effort by design: a node dying between SPOP and emit loses that tick's display update (the next change or a
 * fresh join snapshot corrects it); stock itself is never affected.
 *
 * `stock:update` is state: it goes out as a tick (kernel/ticks.ts: plain Redis pub/sub to the other nodes, `volatile`
 * to each connection, never into the adapter's recovery stream). `sale:soldout` is an event (shown once, never
 * superseded): it stays on the adapter (`io.to`), recoverable like the other sale events.
 */
export async function stockTick(redis: Redis, keys: CatalogKeys, io: HawkerIo, ticks: TickCast): Promise<void> {
  const poolKeys = (await redis.spop(keys.stockDirty, MAX_POOLS_PER_TICK)) as string[];
  if (poolKeys.length === 0) return;
  const reads = redis.pipeline();
  for (const key of poolKeys) reads.hmget(key, 'kind', 'roomId', 'productId', 'skuId', 'saleId', 'left', 'sold', 'state');
  const rows = ((await reads.exec()) ?? []).map(([, v]) => v as (string | null)[]);

  // A shop SKU's pool (roomId '') is shared: its change goes to every room that has the product on its list.
  const shared = [...new Set(rows.filter(([kind, roomId, productId]) => kind === 'sku' && !roomId && productId).map((r) => r[2]!))];
  const roomsOf = new Map<string, string[]>();
  if (shared.length) {
    const m = redis.pipeline();
    for (const productId of shared) m.smembers(keys.selectedIn(productId));
    const res = (await m.exec()) ?? [];
    const listed = redis.pipeline();
    const candidates = shared.flatMap((productId, i) =>
      ((res[i]?.[1] as string[] | undefined) ?? []).map((roomId) => ({ productId, roomId })),
    );
    for (const c of candidates) listed.hget(keys.selected(c.roomId, c.productId), 'removed');
    const flags = (await listed.exec()) ?? [];
    candidates.forEach((c, i) => {
      if (flags[i]?.[1] === '0') roomsOf.set(c.productId, [...(roomsOf.get(c.productId) ?? []), c.roomId]);
    });
  }

  const updates = new Map<string, StockUpdate>();
  const soldOut: { key: string; roomId: string; saleId: string }[] = [];
  const updateOf = (roomId: string) => {
    let u = updates.get(roomId);
    if (!u) updates.set(roomId, (u = { roomId, sales: [], skus: [] }));
    return u;
  };
  rows.forEach(([kind, roomId, productId, skuId, saleId, left, sold, state], i) => {
    if (kind === 'sku' && !roomId && productId && skuId) {
      for (const r of roomsOf.get(productId) ?? []) updateOf(r).skus.push({ productId, skuId, left: Number(left) });
      return;
    }
    if (!roomId || !productId || !skuId) return; // pool vanished (should not happen: pools are never deleted)
    const u = updateOf(roomId);
    if (kind === 'sale' && saleId) {
      u.sales.push({ saleId, left: Number(left), sold: Number(sold) });
      if (Number(left) === 0 && state !== 'ended') soldOut.push({ key: poolKeys[i]!, roomId, saleId });
    } else {
      u.skus.push({ productId, skuId, left: Number(left) });
    }
  });
  ticks.send({ event: 'stock:update', payloads: [...updates.values()] });

  if (soldOut.length === 0) return;
  const flags = redis.pipeline();
  for (const s of soldOut) flags.hsetnx(s.key, 'soldOutPushed', '1');
  const set = (await flags.exec()) ?? [];
  soldOut.forEach((s, i) => {
    if (set[i]?.[1] === 1) io.to(roomChannel(s.roomId)).emit('sale:soldout', { roomId: s.roomId, saleId: s.saleId });
  });
}
