import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.ts';
import { StockScripts } from '../stock/scripts.ts';
import { stockKeys } from '../stock/keys.ts';
import {
  MAX_SKU_STOCK,
  type CreateProductBody,
  type PinnedProduct,
  type Product,
  type ShopProduct,
  type SkuView,
  type UpdateProductBody,
} from '@hawker/protocol';
import { newId } from '../kernel/ids.ts';
import { LuaScripts } from '../kernel/lua.ts';
import { newSkuPool, POOL_COUNT_FIELDS, poolCounts } from '../stock/pool.ts';

/** Redis keys owned by the catalog domain. */
export const catalogKeys = (p: string) => ({
  /** Hash: the product's descriptive fields (see toHash). */
  product: (productId: string) => `${p}catalog:product:${productId}`,
  /** Hash: one SKU's list-price stock pool (owned by server/stock: keys.ts, pool.ts). */
  stock: stockKeys(p).sku,
  /** Sorted set: a room's products by creation time. */
  roomProducts: (roomId: string) => `${p}catalog:room:${roomId}:products`,
  /** String: how many products the room ever had, deleted ones included (PRODUCTS_PER_ROOM; lua/slot.lua). */
  roomCreated: (roomId: string) => `${p}catalog:room:${roomId}:created`,
  /** String: JSON {productId, pinnedAt} of the room's pinned product. */
  pin: (roomId: string) => `${p}catalog:room:${roomId}:pin`,
  /** Set: keys of stock pools whose counters changed since the last stock tick (every stock script adds to it). */
  stockDirty: stockKeys(p).dirty,
  /**
   * Hash: a shop product selected into a room (productId, shopId, selectedAt, selectedBy, removed). One per (room,
   * product), so one shop product selected into many rooms never collides; bounded by PRODUCTS_PER_ROOM per room.
   */
  selected: (roomId: string, productId: string) => `${p}catalog:room:${roomId}:selected:${productId}`,
  /** Set: rooms a shop product was ever selected into (stock ticker fan-out, ledger recovery's sale lookup). */
  selectedIn: (productId: string) => `${p}catalog:product:${productId}:rooms`,
});
export type CatalogKeys = ReturnType<typeof catalogKeys>;

/** Where the catalog reads shop products (server/shops, PostgreSQL) for the rooms that selected them. */
export interface ShopProductSource {
  product(productId: string): Promise<ShopProduct | null>;
}

interface ProductRecord {
  id: string;
  roomId: string;
  title: string;
  imageUrl: string;
  price: number;
  currency: string;
  maxPerBuyer: number | null;
  skus: { id: string; label: string }[];
  createdAt: number;
  updatedAt: number;
  removed: boolean;
}

/**
 * Products and their SKU stock pools in Redis. Descriptive fields live in one hash per product; each SKU's stock is its
 * own pool hash so that orders reserve from it atomically (server/stock/lua/reserve.lua). Stock counters are only
 * written by Lua scripts (adjust here, schedule/end in flash-sale, reserve/transition in orders).
 */
export class CatalogStore {
  readonly keys: CatalogKeys;
  private readonly stock: StockScripts;
  private readonly lua: LuaScripts<'slot' | 'select'>;

  /** `productsPerRoom`: PRODUCTS_PER_ROOM, the most products a room may ever have (deleted ones included). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly productsPerRoom: number,
    private readonly shops: ShopProductSource | null = null,
  ) {
    this.keys = catalogKeys(prefix);
    this.stock = new StockScripts(redis, prefix);
    this.lua = new LuaScripts(redis, 'catalog', new URL('./lua/', import.meta.url), ['slot', 'select']);
  }

  /**
   * Creates a product with its SKU pools, once the room's PRODUCTS_PER_ROOM slot is taken (lua/slot.lua): past the cap,
   * QUOTA_EXCEEDED and nothing written. A slot is never given back, so a create that fails after taking one uses it up.
   */
  private async takeSlot(roomId: string): Promise<void> {
    const k = this.keys;
    const max = this.productsPerRoom;
    const slot = (await this.lua.run('slot', [k.roomCreated(roomId), k.roomProducts(roomId)], [max])) as [number, number];
    if (slot[0] !== 1)
      throw AppError.quotaExceeded(
        'PRODUCTS_PER_ROOM',
        max,
        `This room has had ${slot[1]} products (at most ${max}, deleted and deselected ones included); edit or restock an existing product instead`,
      );
  }

  /**
   * Puts a shop product on the room's list (the caller checked who may and that selection allows it). It takes one of
   * the room's PRODUCTS_PER_ROOM slots like a created product; selecting one already on the list changes nothing.
   * Its stock is the shop SKUs' shared pools: nothing of it is copied here.
   */
  async select(roomId: string, productId: string, shopId: string, by: string, now = Date.now()): Promise<Product> {
    const k = this.keys;
    const max = this.productsPerRoom;
    const res = (await this.lua.run(
      'select',
      [k.selected(roomId, productId), k.roomCreated(roomId), k.roomProducts(roomId), k.selectedIn(productId)],
      [max, productId, shopId, now, by, roomId],
    )) as [number, number?];
    if (res[0] === -1)
      throw AppError.quotaExceeded(
        'PRODUCTS_PER_ROOM',
        max,
        `This room has had ${res[1]} products (at most ${max}, deleted and deselected ones included); take another product off instead`,
      );
    return this.mustGet(roomId, productId);
  }

  /** The shop of a product selected into the room (still on its list, or on it when the room ended), else null. */
  async selectedShop(roomId: string, productId: string): Promise<string | null> {
    const [shopId, removed] = await this.redis.hmget(this.keys.selected(roomId, productId), 'shopId', 'removed');
    return shopId && removed === '0' ? shopId : null;
  }

  /** Rooms a shop product was ever selected into. */
  roomsOf(productId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.selectedIn(productId));
  }

  async create(roomId: string, body: CreateProductBody, now = Date.now()): Promise<Product> {
    const k = this.keys;
    await this.takeSlot(roomId);
    const rec: ProductRecord = {
      id: newId(),
      roomId,
      title: body.title,
      imageUrl: body.imageUrl,
      price: body.price,
      currency: body.currency,
      maxPerBuyer: body.maxPerBuyer ?? null,
      skus: body.skus.map((s) => ({ id: s.id, label: s.label })),
      createdAt: now,
      updatedAt: now,
      removed: false,
    };
    const m = this.redis.multi().hset(k.product(rec.id), toHash(rec));
    for (const sku of body.skus) {
      m.hset(
        k.stock(rec.id, sku.id),
        newSkuPool({
          roomId,
          productId: rec.id,
          skuId: sku.id,
          title: rec.title,
          price: rec.price,
          currency: rec.currency,
          limit: rec.maxPerBuyer ?? 0,
          stock: sku.stock,
        }),
      );
    }
    m.zadd(k.roomProducts(roomId), now, rec.id);
    await m.exec();
    return this.view(rec);
  }

  /** The product if it exists in this room and was not removed. */
  async get(roomId: string, productId: string): Promise<Product | null> {
    const rec = await this.record(productId);
    if (rec) return rec.roomId === roomId && !rec.removed ? this.view(rec) : null;
    return this.selectedView(roomId, productId);
  }

  /** A selected shop product as the room shows it: the `Product` wire type, with its shop's fields (additive). */
  private async selectedView(roomId: string, productId: string): Promise<Product | null> {
    const h = await this.redis.hgetall(this.keys.selected(roomId, productId));
    if (!h.productId || h.removed !== '0' || !this.shops) return null;
    const sp = await this.shops.product(productId);
    if (!sp) return null;
    const m = this.redis.multi();
    for (const sku of sp.skus) m.hmget(this.keys.stock(productId, sku.id), ...POOL_COUNT_FIELDS);
    const rows = (await m.exec()) ?? [];
    const skus: SkuView[] = sp.skus.map((sku, i) => {
      const c = poolCounts((rows[i]?.[1] as (string | null)[] | undefined) ?? []);
      return {
        id: sku.id,
        label: sku.values.length ? sku.values.join(' / ') : sku.code,
        left: c.left,
        reserved: c.reserved,
        sold: c.sold,
        allocated: c.allocated,
        total: c.total,
        price: sku.price,
        code: sku.code,
        values: sku.values,
      };
    });
    return {
      id: sp.id,
      roomId,
      title: sp.title,
      imageUrl: sp.images[0] ?? '',
      price: Math.min(...sp.skus.map((k) => k.price)),
      currency: sp.currency,
      maxPerBuyer: null,
      skus,
      createdAt: Number(h.selectedAt),
      updatedAt: Math.max(Number(h.selectedAt), sp.updatedAt),
      shopId: sp.shopId,
      version: sp.version,
      images: sp.images,
      description: sp.description,
    };
  }

  async mustGet(roomId: string, productId: string): Promise<Product> {
    const p = await this.get(roomId, productId);
    if (!p) throw AppError.notFound(`Product ${productId} in room ${roomId}`);
    return p;
  }

  async list(roomId: string): Promise<Product[]> {
    const ids = await this.redis.zrange(this.keys.roomProducts(roomId), 0, this.productsPerRoom - 1);
    const products = await Promise.all(ids.map((id) => this.get(roomId, id)));
    return products.filter((p): p is Product => p !== null);
  }

  /** Ids of the room's current products (for cheap membership checks). */
  productIds(roomId: string): Promise<string[]> {
    return this.redis.zrange(this.keys.roomProducts(roomId), 0, this.productsPerRoom - 1);
  }

  /**
   * Edits descriptive fields. A new price applies to orders reserved from now on (each order copies the unit price
   * from its pool atomically when it reserves), so orders already placed keep theirs.
   */
  async update(roomId: string, productId: string, body: UpdateProductBody, now = Date.now()): Promise<Product> {
    const rec = await this.record(productId);
    if (!rec || rec.roomId !== roomId || rec.removed) throw AppError.notFound(`Product ${productId} in room ${roomId}`);
    const next: ProductRecord = {
      ...rec,
      title: body.title ?? rec.title,
      imageUrl: body.imageUrl ?? rec.imageUrl,
      price: body.price ?? rec.price,
      maxPerBuyer: body.maxPerBuyer === undefined ? rec.maxPerBuyer : body.maxPerBuyer,
      updatedAt: now,
    };
    const m = this.redis.multi().hset(this.keys.product(productId), toHash(next));
    for (const sku of rec.skus) {
      m.hset(this.keys.stock(productId, sku.id), { title: next.title, price: next.price, limit: next.maxPerBuyer ?? 0 });
    }
    await m.exec();
    return this.view(next);
  }

  /** Atomic restock / withdrawal (server/stock/lua/adjust.lua); a restock never takes the SKU's total past MAX_SKU_STOCK. */
  async adjustStock(roomId: string, productId: string, skuId: string, delta: number): Promise<Product> {
    const rec = await this.record(productId);
    if (!rec || rec.roomId !== roomId || rec.removed || !rec.skus.some((s) => s.id === skuId)) {
      throw AppError.notFound(`SKU ${skuId} of product ${productId} in room ${roomId}`);
    }
    await this.stock.adjust(productId, skuId, delta, MAX_SKU_STOCK, `SKU ${skuId} of product ${productId}`);
    return this.view(rec);
  }

  /**
   * Takes a product off the room: its pools stop selling (orders already reserved still complete or release normally,
   * their counters stay exact), it leaves the room's list, and it is unpinned if pinned. Returns whether it was pinned.
   */
  async remove(roomId: string, productId: string, now = Date.now()): Promise<{ wasPinned: boolean }> {
    const rec = await this.record(productId);
    const k = this.keys;
    if (!rec && (await this.selectedShop(roomId, productId))) {
      // A selected shop product leaves this room's list only: its pools are shared with every other channel and keep
      // selling there.
      await this.redis.multi().hset(k.selected(roomId, productId), 'removed', 1).zrem(k.roomProducts(roomId), productId).exec();
    } else {
      if (!rec || rec.roomId !== roomId || rec.removed) throw AppError.notFound(`Product ${productId} in room ${roomId}`);
      const m = this.redis.multi().hset(k.product(productId), { removed: 1, updatedAt: now }).zrem(k.roomProducts(roomId), productId);
      for (const sku of rec.skus) m.hset(k.stock(productId, sku.id), 'state', 'ended');
      await m.exec();
    }
    const pin = await this.pinned(roomId);
    const wasPinned = pin?.productId === productId;
    if (wasPinned) await this.unpin(roomId);
    return { wasPinned };
  }

  /**
   * Stops list-price selling of every product of a room (the room ended). Selected shop products have no room record,
   * so their shared pools are skipped: they keep selling on every other channel (and through this room's replay).
   */
  async closeRoom(roomId: string): Promise<void> {
    const ids = await this.redis.zrange(this.keys.roomProducts(roomId), 0, -1);
    const recs = (await Promise.all(ids.map((id) => this.record(id)))).filter((r): r is ProductRecord => r !== null);
    const m = this.redis.multi();
    for (const rec of recs) for (const sku of rec.skus) m.hset(this.keys.stock(rec.id, sku.id), 'state', 'ended');
    await m.exec();
  }

  async pin(roomId: string, productId: string, now = Date.now()): Promise<PinnedProduct> {
    const product = await this.mustGet(roomId, productId);
    await this.redis.set(this.keys.pin(roomId), JSON.stringify({ productId, pinnedAt: now }));
    return { roomId, product, pinnedAt: now };
  }

  /** Clears the pin; returns the product id that was pinned, if any. */
  async unpin(roomId: string): Promise<string | null> {
    const raw = await this.redis.getdel(this.keys.pin(roomId));
    return raw ? (JSON.parse(raw) as { productId: string }).productId : null;
  }

  private async pinned(roomId: string): Promise<{ productId: string; pinnedAt: number } | null> {
    const raw = await this.redis.get(this.keys.pin(roomId));
    return raw ? (JSON.parse(raw) as { productId: string; pinnedAt: number }) : null;
  }

  /** The pinned card with live stock, or null (also when the pinned product was removed meanwhile). */
  async pinnedCard(roomId: string): Promise<PinnedProduct | null> {
    const pin = await this.pinned(roomId);
    if (!pin) return null;
    const product = await this.get(roomId, pin.productId);
    return product ? { roomId, product, pinnedAt: pin.pinnedAt } : null;
  }

  private async record(productId: string): Promise<ProductRecord | null> {
    const h = await this.redis.hgetall(this.keys.product(productId));
    return h.id ? fromHash(h) : null;
  }

  private async view(rec: ProductRecord): Promise<Product> {
    const m = this.redis.multi();
    for (const sku of rec.skus) m.hmget(this.keys.stock(rec.id, sku.id), ...POOL_COUNT_FIELDS);
    const rows = (await m.exec()) ?? [];
    const skus: SkuView[] = rec.skus.map((sku, i) => {
      const c = poolCounts((rows[i]?.[1] as (string | null)[] | undefined) ?? []);
      return { id: sku.id, label: sku.label, left: c.left, reserved: c.reserved, sold: c.sold, allocated: c.allocated, total: c.total };
    });
    const { removed: _removed, ...rest } = rec;
    return { ...rest, skus };
  }
}

function toHash(r: ProductRecord): Record<string, string | number> {
  return {
    id: r.id,
    roomId: r.roomId,
    title: r.title,
    imageUrl: r.imageUrl,
    price: r.price,
    currency: r.currency,
    maxPerBuyer: r.maxPerBuyer ?? '',
    skus: JSON.stringify(r.skus),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    removed: r.removed ? 1 : 0,
  };
}

function fromHash(h: Record<string, string>): ProductRecord {
  return {
    id: h.id!,
    roomId: h.roomId!,
    title: h.title ?? '',
    imageUrl: h.imageUrl ?? '',
    price: Number(h.price),
    currency: h.currency!,
    maxPerBuyer: h.maxPerBuyer ? Number(h.maxPerBuyer) : null,
    skus: JSON.parse(h.skus ?? '[]') as { id: string; label: string }[],
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    removed: h.removed === '1',
  };
}
