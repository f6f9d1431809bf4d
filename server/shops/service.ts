import type pg from 'pg';
import {
  STAFF_PER_SHOP,
  type CreateShopBody,
  type CreateShopProductBody,
  type ListShopProductsQuery,
  type MyShop,
  type Principal,
  type Shop,
  type ShopKind,
  type ShopProduct,
  type ShopProductList,
  type ShopStaff,
  type UpdateShopBody,
  type UpdateShopProductBody,
} from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import { CursorError } from '../ledger/orders.ts';
import { productView, type Db, type ShopFields, type ShopStore, type ShopWithStaff, type SkuRow } from './store.ts';
import { checkProduct, refuse, sameText, type AttributeModel, type SkuModel } from './validate.ts';

/** The limits this service enforces (configuration variables, "Abuse limits" in server/config.ts). */
export interface ShopLimits {
  SHOPS_PER_OWNER: number;
  PRODUCTS_PER_SHOP: number;
}

/** GET /api/me/shops lists at most this many shops (an owner has SHOPS_PER_OWNER; staff of more is unusual). */
const MY_SHOPS_MAX = 200;

const KINDS: readonly ShopKind[] = ['merchant', 'creator'];

/**
 * Shops, their staff and their products: who may (server/edge/policy.ts), what is valid (validate.ts and the schema's
 * constraints) and the limits, each change in one PostgreSQL transaction. A refused request changes nothing.
 */
/** What shops need of the stock module (server/stock/shopStock.ts): the SKUs' shared pools follow their products. */
export interface ShopStockPort {
  /** Brings the products' SKU pools in line with PostgreSQL (create if missing; title, price, state). After commit. */
  sync(productIds: readonly string[]): Promise<void>;
  /** Restocks (delta > 0) or withdraws units of one SKU, durable total and Redis pool together. */
  adjust(productId: string, skuId: string, delta: number): Promise<{ left: number; total: number }>;
}

/**
 * Told after a change of products or of a shop commits (issue 19: the search index and storefronts follow products).
 * Called after the response's data is read; a listener that throws is logged, never answered to the client.
 */
export interface ShopChangeListener {
  productsChanged(productIds: readonly string[]): Promise<void>;
  shopChanged(shopId: string): Promise<void>;
  /** SKUs of a product changed price (issue 18: rooms selling it push `product:price`). Optional: most listeners ignore it. */
  pricesChanged?(productId: string, changes: readonly { skuId: string; price: number; previousPrice: number }[]): Promise<void>;
}

/**
 * Told inside the transaction of a product edit, archive, unarchive or delete, before it commits (issue 19: the clip
 * search docs naming the product are rewritten with it). A listener that throws rolls the change back, which the
 * caller is answered as an error: the change and what must follow it commit together or not at all.
 */
export type ShopTxListener = (c: Db, productIds: readonly string[]) => Promise<void>;

export class ShopService {
  private readonly listeners: ShopChangeListener[] = [];
  private readonly txListeners: ShopTxListener[] = [];

  /** Adds a listener run inside product changes' transactions (the node does it once, in server/domains.ts). */
  inTransaction(listener: ShopTxListener): void {
    this.txListeners.push(listener);
  }

  private async committing(c: Db, productIds: readonly string[]): Promise<void> {
    for (const l of this.txListeners) await l(c, productIds);
  }

  /** Adds a listener of committed product and shop changes (the node does it once, in server/domains.ts). */
  onChange(listener: ShopChangeListener): void {
    this.listeners.push(listener);
  }

  /** Tells the listeners; their failures are logged (the change is committed whatever happens here). */
  private async changed(tell: (l: ShopChangeListener) => Promise<void>): Promise<void> {
    for (const l of this.listeners) {
      await tell(l).catch((err: Error) => this.log?.warn({ err: err.message }, 'a shop change listener failed'));
    }
  }

  constructor(
    readonly store: ShopStore,
    private readonly limits: ShopLimits,
    private readonly stock: ShopStockPort | null = null,
    private readonly log: Pick<Logger, 'warn'> | null = null,
  ) {}

  /**
   * Pools follow the committed product. The change is committed whatever happens here, so a failure (Redis away) is
   * logged, not answered as an error the client would retry: an order that finds no pool re-seeds it (orders), and
   * every node start seeds what is missing.
   */
  private async synced<T extends { id: string }>(product: T): Promise<T> {
    await this.stock
      ?.sync([product.id])
      .catch((err: Error) =>
        this.log?.warn({ err: err.message, productId: product.id }, 'syncing stock pools failed; they are re-seeded on demand'),
      );
    await this.changed((l) => l.productsChanged([product.id]));
    return product;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shops

  async createShop(p: Principal, body: CreateShopBody): Promise<Shop> {
    const ownerId = body.ownerId ?? p.userId;
    // The kind the caller may open for this owner: their own (a merchant's or a creator's shop); an admin's default is
    // a merchant shop. Found by asking the policy, which alone compares roles.
    const kind = body.kind ?? KINDS.find((k) => policy.canCreateShop(p, { ownerId, kind: k }));
    policy.require(
      kind !== undefined && policy.canCreateShop(p, { ownerId, kind }),
      body.ownerId && body.ownerId !== p.userId
        ? 'Only admins open a shop for someone else'
        : 'Merchants open merchant shops and creators their own creator shop; sign in with that role',
    );
    const max = this.limits.SHOPS_PER_OWNER;
    return pgErrors(() =>
      this.store.tx(async (c) => {
        await this.store.lockOwner(c, ownerId);
        if ((await this.store.countShopsOf(c, ownerId)) >= max) {
          throw AppError.quotaExceeded(
            'SHOPS_PER_OWNER',
            max,
            `An account owns at most ${max} shop${max === 1 ? '' : 's'}; manage the one you have (GET /api/me/shops)`,
          );
        }
        return this.store.insertShop(c, newId(), ownerId, kind!, {
          name: body.name,
          logoUrl: body.logoUrl ?? null,
          currency: body.currency,
          email: body.contact?.email ?? null,
          phone: body.contact?.phone ?? null,
          returnPolicy: body.returnPolicy ?? null,
        });
      }),
    );
  }

  /** Public: what a storefront shows (staff are not listed). */
  async getShop(shopId: string): Promise<Shop> {
    const shop = await this.store.shop(this.store.db, shopId);
    if (!shop) throw AppError.notFound(`Shop ${shopId}`);
    return shop;
  }

  async updateShop(p: Principal, shopId: string, body: UpdateShopBody): Promise<Shop> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const shop = await this.lockShop(c, shopId);
        policy.require(policy.canManageShop(p, shop), "Only the shop's owner and admins change its settings");
        if (body.currency !== undefined && body.currency !== shop.currency && (await this.store.countProducts(c, shopId)) > 0) {
          throw AppError.conflict(
            `The shop's products are priced in ${shop.currency}; its currency cannot change once it has products (open another shop, or delete them first)`,
          );
        }
        const next: ShopFields = {
          name: body.name ?? shop.name,
          logoUrl: body.logoUrl === undefined ? shop.logoUrl : body.logoUrl,
          currency: body.currency ?? shop.currency,
          email: body.contact?.email === undefined ? shop.contact.email : body.contact.email,
          phone: body.contact?.phone === undefined ? shop.contact.phone : body.contact.phone,
          returnPolicy: body.returnPolicy === undefined ? shop.returnPolicy : body.returnPolicy,
        };
        return this.store.updateShop(c, shopId, next);
      }),
    ).then(async (shop) => {
      await this.changed((l) => l.shopChanged(shopId));
      return shop;
    });
  }

  /** Adds a staff member (idempotent); the shop's staff after it. */
  async addStaff(p: Principal, shopId: string, userId: string): Promise<ShopStaff> {
    return this.store.tx(async (c) => {
      const shop = await this.lockShop(c, shopId);
      policy.require(policy.canManageShop(p, shop), "Only the shop's owner and admins change its staff");
      if (userId === shop.ownerId) throw AppError.badRequest(`${userId} owns the shop; owners manage it without being staff`);
      if (!shop.staff.includes(userId)) {
        if (shop.staff.length >= STAFF_PER_SHOP) {
          throw AppError.quotaExceeded(
            'STAFF_PER_SHOP',
            STAFF_PER_SHOP,
            `A shop has at most ${STAFF_PER_SHOP} staff members; remove one (DELETE /api/shops/${shopId}/staff/:userId) first`,
          );
        }
        await this.store.addStaff(c, shopId, userId, p.userId);
      }
      return { shopId, staff: await this.store.staff(c, shopId) };
    });
  }

  /** Removes a staff member (idempotent); the shop's staff after it. */
  async removeStaff(p: Principal, shopId: string, userId: string): Promise<ShopStaff> {
    return this.store.tx(async (c) => {
      const shop = await this.lockShop(c, shopId);
      policy.require(policy.canManageShop(p, shop), "Only the shop's owner and admins change its staff");
      await this.store.removeStaff(c, shopId, userId);
      return { shopId, staff: await this.store.staff(c, shopId) };
    });
  }

  /** The caller's shops: those they own, then those they are staff of (oldest first), each with its staff. */
  async myShops(p: Principal): Promise<{ shops: MyShop[] }> {
    const rows = await this.store.shopsOf(this.store.db, p.userId, MY_SHOPS_MAX);
    return { shops: rows.map(({ isOwner, ...shop }) => ({ ...shop, as: isOwner ? 'owner' : 'staff' })) };
  }

  private async lockShop(c: Db, shopId: string): Promise<ShopWithStaff> {
    const shop = await this.store.lockShop(c, shopId);
    if (!shop) throw AppError.notFound(`Shop ${shopId}`);
    return shop;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Products

  async createProduct(p: Principal, shopId: string, body: CreateShopProductBody): Promise<ShopProduct> {
    return this.synced(await this.createProductRow(p, shopId, body));
  }

  private async createProductRow(p: Principal, shopId: string, body: CreateShopProductBody): Promise<ShopProduct> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        // The shop's row stays locked until commit: concurrent creates in one shop count one after the other.
        const shop = await this.lockShop(c, shopId);
        policy.require(policy.canManageShopProducts(p, shop), "Only the shop's owner, its staff and admins add products");
        const attributes: AttributeModel[] = (body.attributes ?? []).map((a) => ({ name: a.name, values: a.values }));
        checkProduct(
          attributes,
          body.skus.map((s, i) => skuModel(s, `skus.${i}`)),
        );
        const max = this.limits.PRODUCTS_PER_SHOP;
        if ((await this.store.countProducts(c, shopId)) >= max) {
          throw AppError.quotaExceeded(
            'PRODUCTS_PER_SHOP',
            max,
            `A shop holds at most ${max} products (archived ones included); delete products that were never ordered first`,
          );
        }
        const id = newId();
        const product = {
          id,
          shopId,
          title: body.title,
          description: body.description ?? '',
          images: body.images,
          category: body.category,
          attributes,
        };
        await this.store.insertProduct(c, product);
        const skus: SkuRow[] = body.skus.map((s, i) => ({
          id: newId(),
          position: i,
          values: s.values,
          code: s.code,
          price: s.price,
          compareAtPrice: s.compareAtPrice ?? null,
          stock: s.stock,
        }));
        await this.store.insertSkus(c, id, skus);
        return this.mustGetProduct(c, id);
      }),
    );
  }

  /** Public: any product, archived ones too (with their status), so old orders and links still show what was sold. */
  async getProduct(productId: string): Promise<ShopProduct> {
    return this.mustGetProduct(this.store.db, productId);
  }

  /** Public: a page of the shop's products, newest first, optionally of one status. */
  async listProducts(shopId: string, q: ListShopProductsQuery): Promise<ShopProductList> {
    if (!(await this.store.shop(this.store.db, shopId))) throw AppError.notFound(`Shop ${shopId}`);
    try {
      return await this.store.listProducts(this.store.db, shopId, q);
    } catch (err) {
      if (err instanceof CursorError) throw AppError.badRequest(err.message);
      // 22007/22008: a cursor whose time PostgreSQL cannot read (made up, or edited): the caller's mistake.
      const code = (err as { code?: string }).code;
      if (code === '22007' || code === '22008') throw AppError.badRequest('cursor is not one this server returned; start again without it');
      throw err;
    }
  }

  /**
   * Applies an edit as one new version: fields replaced, attribute values and SKUs appended, existing SKUs' codes and
   * prices changed, all checked together on the product as it will be (validate.ts). Refused, changing nothing: an
   * archived product (CONFLICT), a stale `expectedVersion` (CONFLICT), an unknown SKU or attribute, any rule broken.
   */
  async updateProduct(p: Principal, productId: string, body: UpdateShopProductBody): Promise<ShopProduct> {
    const prices: { skuId: string; price: number; previousPrice: number }[] = [];
    const product = await this.synced(await this.updateProductRow(p, productId, body, prices));
    if (prices.length > 0) await this.changed(async (l) => l.pricesChanged?.(productId, prices));
    return product;
  }

  /** `prices` receives the SKUs whose price the edit changed (read after commit). */
  private async updateProductRow(
    p: Principal,
    productId: string,
    body: UpdateShopProductBody,
    prices: { skuId: string; price: number; previousPrice: number }[] = [],
  ): Promise<ShopProduct> {
    return pgErrors(() =>
      this.store.tx(async (c) => {
        const head = await this.store.productHead(c, productId, 'edit');
        if (!head) throw AppError.notFound(`Product ${productId}`);
        const staff = await this.store.staff(c, head.shopId);
        policy.require(
          policy.canManageShopProducts(p, { ownerId: head.ownerId, kind: head.kind, staff }),
          "Only the shop's owner, its staff and admins edit its products",
        );
        if (body.expectedVersion !== undefined && body.expectedVersion !== head.version) {
          throw AppError.conflict(
            `The product is at version ${head.version}, not ${body.expectedVersion}: someone else edited it; read it again and reapply your change`,
          );
        }
        if (head.status !== 'active') throw AppError.conflict('The product is archived: archived products are not edited');

        const attributes = head.attributes.map((a) => ({ name: a.name, values: [...a.values] }));
        const issues: { path: string; message: string }[] = [];
        body.addValues?.forEach((add, i) => {
          const attr = attributes.find((a) => sameText(a.name) === sameText(add.attribute));
          if (!attr) {
            issues.push({
              path: `addValues.${i}.attribute`,
              message: `the product has no attribute "${add.attribute}" (it has: ${attributes.map((a) => a.name).join(', ') || 'none'}); attributes cannot be added once SKUs exist`,
            });
            return;
          }
          add.values.forEach((v, j) => {
            if (attr.values.some((x) => sameText(x) === sameText(v))) {
              issues.push({ path: `addValues.${i}.values.${j}`, message: `"${v}" is already a value of "${attr.name}"` });
            } else attr.values.push(v);
          });
        });

        const existing = await this.store.skus(c, productId);
        const byId = new Map(existing.map((s) => [s.id, { row: s, at: `sku ${s.id}`, edited: false }]));
        for (const [i, e] of (body.skus ?? []).entries()) {
          const sku = byId.get(e.id);
          if (!sku || sku.edited) {
            issues.push({ path: `skus.${i}.id`, message: sku ? `SKU ${e.id} is edited twice` : `the product has no SKU ${e.id}` });
            continue;
          }
          sku.edited = true;
          sku.at = `skus.${i}`;
          sku.row = {
            ...sku.row,
            code: e.code ?? sku.row.code,
            price: e.price ?? sku.row.price,
            compareAtPrice: e.compareAtPrice === undefined ? sku.row.compareAtPrice : e.compareAtPrice,
          };
        }
        refuse(issues);

        const added: SkuRow[] = (body.addSkus ?? []).map((s, i) => ({
          id: newId(),
          position: existing.length + i,
          values: s.values,
          code: s.code,
          price: s.price,
          compareAtPrice: s.compareAtPrice ?? null,
          stock: s.stock,
        }));
        checkProduct(attributes, [
          ...[...byId.values()].map(({ row, at }) => ({ ...row, at })),
          ...added.map((s, i) => ({ ...s, at: `addSkus.${i}` })),
        ]);

        // The product first: new SKUs are checked (trigger) against the attributes as updated.
        await this.store.updateProduct(c, productId, {
          title: body.title ?? head.title,
          description: body.description ?? head.description,
          images: body.images ?? head.images,
          category: body.category ?? head.category,
          attributes,
        });
        await this.store.updateSkus(
          c,
          productId,
          [...byId.values()].filter((s) => s.edited).map((s) => s.row),
        );
        await this.store.insertSkus(c, productId, added);
        // A retried transaction starts again from an empty list.
        prices.length = 0;
        for (const s of byId.values()) {
          const was = existing.find((e) => e.id === s.row.id);
          if (s.edited && was && was.price !== s.row.price) prices.push({ skuId: s.row.id, price: s.row.price, previousPrice: was.price });
        }
        await this.committing(c, [productId]);
        return this.mustGetProduct(c, productId);
      }),
    );
  }

  /** Archives a product: no longer sold, still readable (old orders, links). Idempotent. */
  async archiveProduct(p: Principal, productId: string): Promise<ShopProduct> {
    return this.synced(await this.setStatus(p, productId, 'archived'));
  }

  /** Puts an archived product back on sale (its SKUs' pools sell again, with the stock they kept). Idempotent. */
  async unarchiveProduct(p: Principal, productId: string): Promise<ShopProduct> {
    return this.synced(await this.setStatus(p, productId, 'active'));
  }

  /**
   * Restocks (delta > 0) or withdraws (delta < 0) one SKU's stock, shared by every channel: the shop's owner, staff and
   * admins. Refusals (NOT_FOUND, archived CONFLICT, TOO_FEW_LEFT, QUOTA_EXCEEDED MAX_SKU_STOCK) change nothing.
   */
  async adjustStock(
    p: Principal,
    productId: string,
    body: { skuId: string; delta: number },
  ): Promise<ShopProduct & { stock: { skuId: string; left: number; total: number } }> {
    const head = await this.store.productHead(this.store.db, productId);
    if (!head) throw AppError.notFound(`Product ${productId}`);
    const staff = await this.store.staff(this.store.db, head.shopId);
    policy.require(
      policy.canManageShopProducts(p, { ownerId: head.ownerId, kind: head.kind, staff }),
      "Only the shop's owner, its staff and admins change its stock",
    );
    if (!this.stock) throw AppError.unavailable('Stock is not wired on this node');
    const res = await this.stock.adjust(productId, body.skuId, body.delta);
    await this.changed((l) => l.productsChanged([productId]));
    return { ...(await this.mustGetProduct(this.store.db, productId)), stock: { skuId: body.skuId, ...res } };
  }

  private async setStatus(p: Principal, productId: string, status: 'active' | 'archived'): Promise<ShopProduct> {
    return this.store.tx(async (c) => {
      const head = await this.store.productHead(c, productId, 'edit');
      if (!head) throw AppError.notFound(`Product ${productId}`);
      const staff = await this.store.staff(c, head.shopId);
      policy.require(
        policy.canManageShopProducts(p, { ownerId: head.ownerId, kind: head.kind, staff }),
        "Only the shop's owner, its staff and admins archive its products",
      );
      if (status === 'archived') await this.store.archiveProduct(c, productId);
      else await this.store.unarchiveProduct(c, productId);
      await this.committing(c, [productId]);
      return this.mustGetProduct(c, productId);
    });
  }

  /**
   * Deletes a product that was never ordered (its SKUs with it). One that any order line names is refused (CONFLICT):
   * archive it instead, so every order keeps the product it bought. The product's row is locked (FOR UPDATE) while
   * the ledger is asked, so nothing that locks or references the row can slip in between.
   */
  async deleteProduct(p: Principal, productId: string): Promise<{ productId: string; deleted: true }> {
    return this.store.tx(async (c) => {
      const head = await this.store.productHead(c, productId, 'delete');
      if (!head) throw AppError.notFound(`Product ${productId}`);
      const staff = await this.store.staff(c, head.shopId);
      policy.require(
        policy.canManageShopProducts(p, { ownerId: head.ownerId, kind: head.kind, staff }),
        "Only the shop's owner, its staff and admins delete its products",
      );
      if (await this.store.everOrdered(c, productId)) {
        throw AppError.conflict(
          `Product ${productId} has orders, so it is kept for them: archive it instead (POST /api/products/${productId}/archive)`,
        );
      }
      await this.store.deleteProduct(c, productId);
      await this.committing(c, [productId]);
      return { productId, deleted: true };
    });
  }

  private async mustGetProduct(c: Db, productId: string): Promise<ShopProduct> {
    const head = await this.store.productHead(c, productId);
    if (!head) throw AppError.notFound(`Product ${productId}`);
    return productView(head, await this.store.skus(c, productId));
  }
}

function skuModel(s: CreateShopProductBody['skus'][number], at: string): SkuModel {
  return { values: s.values, code: s.code, price: s.price, compareAtPrice: s.compareAtPrice ?? null, at };
}

/**
 * What the schema's constraints answer, should a request get past the service's own checks (a bug, or a race the
 * locks do not cover): a typed error, never INTERNAL. The transaction was rolled back, so nothing changed.
 */
async function pgErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = err as pg.DatabaseError;
    if (e instanceof AppError || typeof e?.code !== 'string') throw err;
    if (e.code === '23505') {
      if (e.constraint === 'shop_skus_code') throw AppError.badRequest('SKU codes must be unique within the product');
      if (e.constraint === 'shop_skus_combination') throw AppError.badRequest('Each combination of attribute values is one SKU at most');
      throw AppError.conflict('That already exists; read it again and retry');
    }
    if (e.code === '23514') throw AppError.badRequest(`Refused by the shop's rules (${e.constraint ?? 'check'}); nothing changed`);
    throw err;
  }
}
