import type { Redis } from 'ioredis';
import type { CatalogKeys } from '../catalog/store.ts';
import { AppError } from '../kernel/errors.ts';
import { LuaScripts } from '../kernel/lua.ts';
import { stockKeys } from '../stock/keys.ts';
import { StockScripts } from '../stock/scripts.ts';
import type { FlashSale, PerBuyerLimitSource, Product, SaleState, ScheduleSaleBody } from '@hawker/protocol';
import { newId } from '../kernel/ids.ts';

/** Redis keys owned by the flash-sale domain. */
export const saleKeys = (p: string) => ({
  /** Hash: the sale's fields and its stock pool counters (owned by server/stock: keys.ts, pool.ts). */
  sale: stockKeys(p).sale,
  /** Hash saleId -> "start:end" of the room's scheduled and live sales (overlap checks, snapshot). */
  roomActive: (roomId: string) => `${p}sales:room:${roomId}:active`,
  /** Sorted set of every sale of the room by start. */
  roomHistory: (roomId: string) => `${p}sales:room:${roomId}:all`,
  /** Sorted sets of sale ids by start / end time, for the scheduler tick on every node. */
  starts: `${p}sales:starts`,
  ends: `${p}sales:ends`,
});
export type SaleKeys = ReturnType<typeof saleKeys>;

/** At most this many scheduled or live sales per room (they may not overlap anyway). */
export const MAX_ACTIVE_SALES_PER_ROOM = 20;
/** Sales the scheduler claims per tick and kind (start, end). */
const DUE_PER_TICK = 200;

type Scripts = 'start';

/** Flash sales in Redis; every stock movement goes through this domain's Lua scripts (lua/*.lua). */
export class SaleStore {
  readonly keys: SaleKeys;
  private readonly lua: LuaScripts<Scripts>;
  private readonly stock: StockScripts;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly catalogKeys: CatalogKeys,
  ) {
    this.keys = saleKeys(prefix);
    this.lua = new LuaScripts(redis, 'sales', new URL('./lua/', import.meta.url), ['start']);
    this.stock = new StockScripts(redis, prefix);
  }

  /**
   * Atomically takes `quantity` from the SKU and creates the sale (server/stock/lua/schedule.lua). Its per-buyer limit
   * is the body's, else the product's `maxPerBuyer`, else `defaultLimit` (FLASH_SALE_DEFAULT_MAX_PER_BUYER): a sale
   * always has one, stored on its pool, where the order script enforces it (server/stock/lua/reserve.lua).
   */
  async schedule(product: Product, body: ScheduleSaleBody, defaultLimit: number): Promise<FlashSale> {
    const sku = product.skus.find((s) => s.id === body.skuId);
    if (!sku) throw AppError.notFound(`SKU ${body.skuId} of product ${product.id}`);
    const [limit, limitSource]: [number, PerBuyerLimitSource] =
      body.perBuyerLimit !== undefined
        ? [body.perBuyerLimit, 'sale']
        : product.maxPerBuyer !== null
          ? [product.maxPerBuyer, 'product']
          : [defaultLimit, 'default'];
    const id = newId();
    const k = this.keys;
    const fields = {
      roomId: product.roomId,
      productId: product.id,
      skuId: sku.id,
      title: `${product.title} · ${sku.label}`,
      imageUrl: product.imageUrl,
      currency: product.currency,
      // A shop product's SKU has its own price; a room product has one price for all its SKUs.
      listPrice: sku.price ?? product.price,
      price: body.salePrice,
      limit,
      limitSource,
      endedReason: '',
    };
    await this.stock.schedule(
      {
        sku: this.catalogKeys.stock(product.id, sku.id),
        sale: k.sale(id),
        roomActive: k.roomActive(product.roomId),
        roomHistory: k.roomHistory(product.roomId),
        starts: k.starts,
        ends: k.ends,
      },
      {
        saleId: id,
        quantity: body.quantity,
        startsAt: body.startsAt ?? 0,
        durationMs: body.durationMs,
        maxActive: MAX_ACTIVE_SALES_PER_ROOM,
        fields: Object.entries(fields).flat(),
      },
    );
    return this.mustGet(product.roomId, id);
  }

  async get(saleId: string): Promise<FlashSale | null> {
    const h = await this.redis.hgetall(this.keys.sale(saleId));
    return h.saleId ? toView(h) : null;
  }

  /** The sale, if it belongs to `roomId` (otherwise NOT_FOUND: ids from other rooms are not honoured). */
  async mustGet(roomId: string, saleId: string): Promise<FlashSale> {
    const sale = await this.get(saleId);
    if (!sale || sale.roomId !== roomId) throw AppError.notFound(`Flash sale ${saleId} in room ${roomId}`);
    return sale;
  }

  /** Every sale of the room, newest start first. */
  async list(roomId: string, limit = 100): Promise<FlashSale[]> {
    const ids = await this.redis.zrevrange(this.keys.roomHistory(roomId), 0, limit - 1);
    const sales = await Promise.all(ids.map((id) => this.get(id)));
    return sales.filter((s): s is FlashSale => s !== null);
  }

  /** Scheduled and live sales of the room (ids and windows). */
  async active(roomId: string): Promise<{ saleId: string; start: number; end: number }[]> {
    const h = await this.redis.hgetall(this.keys.roomActive(roomId));
    return Object.entries(h).map(([saleId, w]) => {
      const [start, end] = w.split(':').map(Number);
      return { saleId, start: start!, end: end! };
    });
  }

  /** Claims a due start (lua/start.lua): true when this caller flipped it to live and must announce it. */
  async claimStart(saleId: string): Promise<boolean> {
    const res = (await this.lua.run('start', [this.keys.sale(saleId), this.keys.starts], [saleId])) as number[];
    return res[0] === 1;
  }

  /**
   * Ends a sale (server/stock/lua/end.lua). `due`: only if its window is over (scheduler); `force`: now (host, room end).
   * Returns the sale if this caller ended it, null if it was already ended or not due.
   */
  async end(saleId: string, mode: 'due' | 'force', reason: string): Promise<FlashSale | null> {
    const h = await this.redis.hmget(this.keys.sale(saleId), 'roomId', 'productId', 'skuId');
    const [roomId, productId, skuId] = h;
    if (!roomId || !productId || !skuId) return null;
    const k = this.keys;
    const ended = await this.stock.end(
      {
        sale: k.sale(saleId),
        sku: this.catalogKeys.stock(productId, skuId),
        roomActive: k.roomActive(roomId),
        starts: k.starts,
        ends: k.ends,
      },
      { saleId, mode, reason },
    );
    return ended ? this.get(saleId) : null;
  }

  /** Sale ids whose start (or end) is due by the node's clock; the Lua claim re-checks against Redis's clock. */
  due(which: 'starts' | 'ends', now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys[which], '-inf', now, 'LIMIT', 0, DUE_PER_TICK);
  }
}

function toView(h: Record<string, string>, now = Date.now()): FlashSale {
  const n = (k: string) => Number(h[k] ?? 0);
  // Selling opens by time (the order script checks the window), so a sale whose start has passed is live even if the
  // scheduler tick that announces it has not run yet.
  const state = h.state === 'scheduled' && now >= n('start') ? 'live' : (h.state as SaleState);
  return {
    id: h.saleId!,
    roomId: h.roomId!,
    productId: h.productId!,
    skuId: h.skuId!,
    title: h.title ?? '',
    imageUrl: h.imageUrl ?? '',
    currency: h.currency!,
    listPrice: n('listPrice'),
    salePrice: n('price'),
    quantity: n('quantity'),
    perBuyerLimit: n('limit'),
    // Sales scheduled before the source was stored always had their own limit (it was required).
    perBuyerLimitSource: (h.limitSource as PerBuyerLimitSource | undefined) ?? 'sale',
    startsAt: n('start'),
    endsAt: n('end'),
    state,
    left: n('left'),
    reserved: n('reserved'),
    sold: n('sold'),
    returned: n('returned'),
    endedReason: h.endedReason || null,
  };
}
