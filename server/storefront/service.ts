import type {
  AgencyStorefront,
  CreatorStorefront,
  LiveRoomRef,
  Room,
  ShopProduct,
  ShopStorefront,
  StorefrontListQuery,
  StorefrontProduct,
  StorefrontProductDetail,
} from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';
import type { LiveSnapshot, LiveView, ProductDoc, SearchStore, StockLeft } from '../search/index.ts';
import type { ShopStore } from '../shops/index.ts';

/** Rooms of a creator read for their storefront (newest first): enough for one live and the upcoming ones. */
const CREATOR_ROOMS_READ = 50;
/** Products on a creator's storefront (STOREFRONT_CREATOR_PRODUCTS). */
export const STOREFRONT_CREATOR_PRODUCTS = 100;
/** Creators listed on an agency's storefront (STOREFRONT_AGENCY_CREATORS). */
export const STOREFRONT_AGENCY_CREATORS = 200;

/** What storefronts need of the rooms domain. */
export interface CreatorRooms {
  /** The creator's rooms, newest first. */
  ofCreator(creatorId: string, limit: number): Promise<Room[]>;
}

/** What storefronts need of the catalog: the products on a room's list now. */
export interface RoomProducts {
  productIds(roomId: string): Promise<string[]>;
}

/** What storefronts need of the agency roster. */
export interface AgencyDirectory {
  /** The agency's name and roster creators, or null if it is not registered. */
  agency(agencyId: string): Promise<{ name: string; creators: string[] } | null>;
}

/** How many follow a creator (server/follows). */
export interface FollowerCount {
  followers(creatorId: string): Promise<number>;
}

/**
 * Public storefronts (issue 19): a shop's, a creator's and an agency's page, and a product's detail outside the room.
 * Reads only: orders go through POST /api/orders with channel 'storefront'. Stock is the shared pools' (one stock per
 * SKU across channels), liveness the search's live view (at most a second old).
 */
export class StorefrontService {
  constructor(
    private readonly shops: ShopStore,
    private readonly index: SearchStore,
    private readonly live: LiveView,
    private readonly stock: StockLeft,
    private readonly rooms: CreatorRooms,
    private readonly roomProducts: RoomProducts,
    private readonly agencies: AgencyDirectory,
    private readonly follows: FollowerCount,
  ) {}

  async shop(shopId: string, q: StorefrontListQuery): Promise<ShopStorefront> {
    const shop = await this.shops.shop(this.shops.db, shopId);
    if (!shop) throw AppError.notFound(`Shop ${shopId}`);
    const after = q.cursor ? decodeShopCursor(q.cursor) : null;
    const [rows, priceRange, snap] = await Promise.all([
      this.index.shopProducts(shopId, q.limit + 1, after),
      this.index.shopPriceRange(shopId),
      this.live.snapshot(),
    ]);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      shop,
      priceRange,
      products: await this.cards(page, snap),
      nextCursor:
        rows.length > q.limit && last
          ? Buffer.from(JSON.stringify([last.inStock ? 1 : 0, last.createdExact, last.productId])).toString('base64url')
          : null,
    };
  }

  async creator(creatorId: string): Promise<CreatorStorefront> {
    const [doc, rooms, followers, snap] = await Promise.all([
      this.index.creator(creatorId),
      this.rooms.ofCreator(creatorId, CREATOR_ROOMS_READ),
      this.follows.followers(creatorId),
      this.live.snapshot(),
    ]);
    if (!doc && !rooms.length) throw AppError.notFound(`Creator ${creatorId}`);
    const live = rooms.find((r) => r.status === 'live') ?? null;
    const scheduled = rooms
      .filter((r) => r.status === 'scheduled')
      .sort((a, b) => (a.scheduledAt ?? a.createdAt) - (b.scheduledAt ?? b.createdAt));
    const open = [...(live ? [live] : []), ...scheduled];
    const lists = await Promise.all(open.map((r) => this.roomProducts.productIds(r.id)));
    const ids = [...new Set(lists.flat())].slice(0, STOREFRONT_CREATOR_PRODUCTS);
    const newest = rooms[0];
    return {
      creator: {
        id: creatorId,
        name: doc?.name ?? newest?.creatorName ?? creatorId,
        agencyId: doc?.agencyId ?? newest?.agencyId ?? null,
        followers,
      },
      live,
      scheduled,
      products: await this.cards(await this.index.productDocs(ids), snap),
    };
  }

  async agency(agencyId: string): Promise<AgencyStorefront> {
    const [registered, indexed, snap] = await Promise.all([
      this.agencies.agency(agencyId),
      this.index.creatorsOfAgency(agencyId, STOREFRONT_AGENCY_CREATORS),
      this.live.snapshot(),
    ]);
    if (!registered && !indexed.length) throw AppError.notFound(`Agency ${agencyId}`);
    const names = new Map(indexed.map((c) => [c.creatorId, c.name]));
    const ids = [...new Set([...(registered?.creators ?? []), ...indexed.map((c) => c.creatorId)])].slice(0, STOREFRONT_AGENCY_CREATORS);
    return {
      agency: { id: agencyId, name: registered?.name ?? agencyId },
      creators: ids.map((id) => ({ id, name: names.get(id) ?? id, liveNow: snap.creators.has(id) })),
      live: snap.rooms.filter((r) => r.agencyId === agencyId),
    };
  }

  async product(productId: string): Promise<StorefrontProductDetail> {
    const product: ShopProduct | null = await this.shops.product(this.shops.db, productId);
    if (!product) throw AppError.notFound(`Product ${productId}`);
    const skuIds = product.skus.map((s) => s.id);
    const [shop, left, snap] = await Promise.all([
      this.shops.shop(this.shops.db, product.shopId),
      this.stock.left(productId, skuIds),
      this.live.snapshot(),
    ]);
    if (!shop) throw AppError.notFound(`Shop ${product.shopId}`);
    return {
      product,
      shop: { id: shop.id, name: shop.name, logoUrl: shop.logoUrl },
      stock: skuIds.map((skuId, i) => ({ skuId, left: product.status === 'active' ? (left[i] ?? 0) : 0 })),
      liveRooms: liveRoomsOf(snap, productId),
    };
  }

  /** Storefront cards of product docs: stock left now from the shared pools, the live rooms selling them. */
  private async cards(docs: readonly ProductDoc[], snap: LiveSnapshot): Promise<StorefrontProduct[]> {
    const lefts = await Promise.all(docs.map((d) => this.stock.left(d.productId, d.skuIds)));
    return docs.map((d, i) => {
      const stockLeft = (lefts[i] ?? []).reduce((a, b) => a + b, 0);
      return {
        id: d.productId,
        shopId: d.shopId,
        title: d.title,
        image: d.image,
        category: d.category,
        currency: d.currency,
        minPrice: d.minPrice,
        maxPrice: d.maxPrice,
        stockLeft,
        inStock: stockLeft > 0,
        liveRooms: liveRoomsOf(snap, d.productId),
      };
    });
  }
}

const liveRoomsOf = (snap: LiveSnapshot, productId: string): LiveRoomRef[] => snap.products.get(productId) ?? [];

/** A shop storefront cursor, or BAD_REQUEST: [inStock 0/1, created_at text, id]. */
function decodeShopCursor(cursor: string): { inStock: number; createdAt: string; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      (v[0] === 0 || v[0] === 1) &&
      typeof v[1] === 'string' &&
      /^[0-9][0-9 :.T+-]{9,40}$/.test(v[1]) &&
      !Number.isNaN(Date.parse(v[1].replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'))) &&
      typeof v[2] === 'string' &&
      v[2].length <= 64
    ) {
      return { inStock: v[0], createdAt: v[1], id: v[2] };
    }
  } catch {
    // falls through
  }
  throw AppError.badRequest('cursor is not one this server returned; start again without it');
}
