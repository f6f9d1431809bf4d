/**
 * The centre field (issue 19; docs/centre-field.md): search (人找货), public storefronts of shops, creators and
 * agencies, product detail outside the room, follows and going-live notices.
 */
import { z } from 'zod';
import { Currency } from './commerce.ts';
import { EpochMs, Id } from './common.ts';
import { Room } from './rooms.ts';
import { Shop, ShopProduct } from './shops.ts';

// ---------------------------------------------------------------------------------------------------------------
// Search

/** A search query is at most this many characters (SEARCH_QUERY_MAX_CHARS); longer is BAD_REQUEST naming the limit. */
export const SEARCH_QUERY_MAX_CHARS = 64;
/** A search page has at most this many results (SEARCH_PAGE_MAX). */
export const SEARCH_PAGE_MAX = 50;
/** Cursors are opaque and short; a longer one was not made by this server. */
const CURSOR_MAX_CHARS = 512;

export const SearchType = z.enum(['all', 'products', 'creators', 'rooms', 'clips']);
export type SearchType = z.infer<typeof SearchType>;

const Price = z.coerce.number().int().min(0).max(1_000_000_000);

/** GET /api/search */
export const SearchQuery = z
  .strictObject({
    q: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(SEARCH_QUERY_MAX_CHARS, `at most ${SEARCH_QUERY_MAX_CHARS} characters (SEARCH_QUERY_MAX_CHARS)`),
    type: SearchType.default('all'),
    /** Products only: price bounds in minor units (a product matches when one of its SKUs' prices is within them). */
    minPrice: Price.optional(),
    maxPrice: Price.optional(),
    /** Products only: this category or one below it ("jewellery" matches "jewellery.bracelets"). */
    category: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a category like jewellery.bracelets')
      .optional(),
    /** Results per page (per kind for type=all). */
    limit: z.coerce.number().int().min(1).max(SEARCH_PAGE_MAX, `at most ${SEARCH_PAGE_MAX} (SEARCH_PAGE_MAX)`).default(20),
    /** The `nextCursor` of the previous page (single-kind searches only), with the same q, type and filters. */
    cursor: z.string().min(1).max(CURSOR_MAX_CHARS).optional(),
  })
  .refine((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice, {
    message: 'minPrice must not exceed maxPrice',
    path: ['minPrice'],
  })
  .refine((q) => q.cursor === undefined || q.type !== 'all', {
    message: 'cursors page one kind: search with type=products, creators, rooms or clips',
    path: ['cursor'],
  });
export type SearchQuery = z.infer<typeof SearchQuery>;

/** A room a product sells in right now, or a creator's live room. */
export const LiveRoomRef = z.object({ roomId: Id, title: z.string(), creatorId: Id, creatorName: z.string() });
export type LiveRoomRef = z.infer<typeof LiveRoomRef>;

export const ProductHit = z.object({
  kind: z.literal('product'),
  id: Id,
  shopId: Id,
  shopName: z.string(),
  title: z.string(),
  image: z.string(),
  category: z.string(),
  currency: Currency,
  minPrice: z.number().int(),
  maxPrice: z.number().int(),
  inStock: z.boolean(),
  /** Selected into a room that is live now. */
  liveNow: z.boolean(),
});
export type ProductHit = z.infer<typeof ProductHit>;

export const CreatorHit = z.object({
  kind: z.literal('creator'),
  id: Id,
  name: z.string(),
  agencyId: Id.nullable(),
  liveNow: z.boolean(),
});
export type CreatorHit = z.infer<typeof CreatorHit>;

export const RoomHit = z.object({
  kind: z.literal('room'),
  id: Id,
  title: z.string(),
  creatorId: Id,
  creatorName: z.string(),
  status: z.enum(['scheduled', 'live']),
  scheduledAt: EpochMs.nullable(),
  liveNow: z.boolean(),
});
export type RoomHit = z.infer<typeof RoomHit>;

/**
 * A published clip (a short video with products attached, docs/replay.md "Clips"), found by its title, its products'
 * titles and its creator's name; `liveNow`: its creator is live now. Open it at /clips?id=<id>.
 */
export const ClipHit = z.object({
  kind: z.literal('clip'),
  id: Id,
  title: z.string(),
  roomId: Id,
  creatorId: Id,
  /** The creator's name as their rooms give it. */
  creatorName: z.string(),
  /** The first attached product (null: none offered any more). */
  productId: Id.nullable(),
  /** A poster: the first attached product's first picture (null: none). */
  image: z.string().nullable(),
  liveNow: z.boolean(),
});
export type ClipHit = z.infer<typeof ClipHit>;

/** GET /api/search answer: one list per kind (only the searched kind's is filled unless type=all). */
export const SearchResult = z.object({
  /** Names this search in POST /api/search/clicks. */
  searchId: Id,
  q: z.string(),
  type: SearchType,
  products: z.array(ProductHit),
  creators: z.array(CreatorHit),
  rooms: z.array(RoomHit),
  clips: z.array(ClipHit),
  /** Single-kind searches: the next page's cursor, null on the last page. Always null for type=all. */
  nextCursor: z.string().nullable(),
});
export type SearchResult = z.infer<typeof SearchResult>;

/** POST /api/search/clicks: a result of a search was opened (the funnel's "searched a product"). */
export const SearchClickBody = z.strictObject({
  searchId: Id,
  kind: z.enum(['product', 'creator', 'room', 'clip']),
  id: Id,
  /** 0-based position of the result in what the client showed. */
  position: z.number().int().min(0).max(10_000),
});
export type SearchClickBody = z.infer<typeof SearchClickBody>;
export const SearchClickResult = z.object({ recorded: z.boolean() });

// ---------------------------------------------------------------------------------------------------------------
// Storefronts

/** A product as a storefront lists it: price range, stock left across every channel, rooms selling it live. */
export const StorefrontProduct = z.object({
  id: Id,
  shopId: Id,
  title: z.string(),
  image: z.string(),
  category: z.string(),
  currency: Currency,
  minPrice: z.number().int(),
  maxPrice: z.number().int(),
  /** Units left now in the shared pools of its SKUs (one stock per SKU across channels). */
  stockLeft: z.number().int(),
  inStock: z.boolean(),
  liveRooms: z.array(LiveRoomRef),
});
export type StorefrontProduct = z.infer<typeof StorefrontProduct>;

export const StorefrontListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(SEARCH_PAGE_MAX).default(20),
  cursor: z.string().min(1).max(CURSOR_MAX_CHARS).optional(),
});
export type StorefrontListQuery = z.infer<typeof StorefrontListQuery>;

/** GET /api/storefront/shops/:shopId: the shop and its products, in stock first, then newest. */
export const ShopStorefront = z.object({
  shop: Shop,
  /** The price range over every active product of the shop (null: none). */
  priceRange: z.object({ min: z.number().int(), max: z.number().int() }).nullable(),
  products: z.array(StorefrontProduct),
  nextCursor: z.string().nullable(),
});
export type ShopStorefront = z.infer<typeof ShopStorefront>;

export const StorefrontCreatorParams = z.strictObject({ creatorId: Id });
export const StorefrontAgencyParams = z.strictObject({ agencyId: Id });

/** GET /api/storefront/creators/:creatorId */
export const CreatorStorefront = z.object({
  creator: z.object({ id: Id, name: z.string(), agencyId: Id.nullable(), followers: z.number().int() }),
  live: Room.nullable(),
  scheduled: z.array(Room),
  /** Products on the lists of their rooms not ended (the live one first), each once. */
  products: z.array(StorefrontProduct),
});
export type CreatorStorefront = z.infer<typeof CreatorStorefront>;

/** GET /api/storefront/agencies/:agencyId */
export const AgencyStorefront = z.object({
  agency: z.object({ id: Id, name: z.string() }),
  creators: z.array(z.object({ id: Id, name: z.string(), liveNow: z.boolean() })),
  live: z.array(Room),
});
export type AgencyStorefront = z.infer<typeof AgencyStorefront>;

/** GET /api/storefront/products/:productId: product detail outside the room (buy with POST /api/orders, channel storefront). */
export const StorefrontProductDetail = z.object({
  product: ShopProduct,
  shop: z.object({ id: Id, name: z.string(), logoUrl: z.string().nullable() }),
  /** Units left now per SKU, from the shared pool. */
  stock: z.array(z.object({ skuId: Id, left: z.number().int() })),
  liveRooms: z.array(LiveRoomRef),
});
export type StorefrontProductDetail = z.infer<typeof StorefrontProductDetail>;

// ---------------------------------------------------------------------------------------------------------------
// Follows and notices

export const FollowParams = z.strictObject({ creatorId: Id });
export const FollowResult = z.object({ creatorId: Id, following: z.boolean(), followers: z.number().int() });
export type FollowResult = z.infer<typeof FollowResult>;

export const ListFollowsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(CURSOR_MAX_CHARS).optional(),
});
export const FollowList = z.object({
  follows: z.array(z.object({ creatorId: Id, name: z.string(), liveNow: z.boolean(), since: EpochMs })),
  nextCursor: z.string().nullable(),
});
export type FollowList = z.infer<typeof FollowList>;

export const NoticeKind = z.enum(['live.scheduled', 'live.started']);
export type NoticeKind = z.infer<typeof NoticeKind>;

/** An in-app notice; also the payload of the `notice:new` push. */
export const Notice = z.object({
  id: z.string(),
  kind: NoticeKind,
  creatorId: Id,
  creatorName: z.string(),
  roomId: Id,
  title: z.string(),
  scheduledAt: EpochMs.nullable(),
  at: EpochMs,
  read: z.boolean(),
});
export type Notice = z.infer<typeof Notice>;

export const ListNoticesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  unread: z.enum(['true', 'false']).optional(),
  cursor: z.string().min(1).max(CURSOR_MAX_CHARS).optional(),
});
export const NoticeList = z.object({ notices: z.array(Notice), unread: z.number().int(), nextCursor: z.string().nullable() });
export type NoticeList = z.infer<typeof NoticeList>;

/** POST /api/me/notices/read: these notices (or all) are read. */
export const MarkNoticesReadBody = z.union([
  z.strictObject({ ids: z.array(z.string().min(1).max(200)).min(1).max(100) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type MarkNoticesReadBody = z.infer<typeof MarkNoticesReadBody>;
export const MarkNoticesReadResult = z.object({ updated: z.number().int(), unread: z.number().int() });

// ---------------------------------------------------------------------------------------------------------------
// Agency dashboard (issue 19 item 6): commerce figures pushed to the agency's staff over their console connection

/** dashboard:watch / dashboard:unwatch payload: the agency whose figures to push (its owner, moderators, admins). */
export const DashboardWatchInput = z.strictObject({ agencyId: Id });

/** Paid amounts per currency, minor units (refunds deducted). */
const Gmv = z.record(z.string(), z.number().int());

/** One live room's commerce figures, from the ledger (viewers come with the room's own `room:stats` pushes). */
export const DashboardRoom = z.object({
  roomId: Id,
  title: z.string(),
  creatorId: Id,
  creatorName: z.string(),
  startedAt: EpochMs.nullable(),
  /** Orders accepted in the room (any outcome) and of them paid. */
  orders: z.number().int(),
  paidOrders: z.number().int(),
  paidUnits: z.number().int(),
  gmv: Gmv,
});
export type DashboardRoom = z.infer<typeof DashboardRoom>;

/** A creator or product ranked by paid units over the window (every channel: live, replay, clip, storefront). */
export const DashboardTop = z.object({ id: Id, name: z.string(), paidOrders: z.number().int(), paidUnits: z.number().int(), gmv: Gmv });
export type DashboardTop = z.infer<typeof DashboardTop>;

/**
 * dashboard:watch ack and the `dashboard:update` push: the agency's live rooms with their orders and GMV, its totals and
 * its top creators and products over the last `windowMs` (paid orders of the agency, from the ledger). Pushed to the
 * watching connection when any figure changed, at most once per DASHBOARD_TICK_MS.
 */
export const AgencyDashboard = z.object({
  agencyId: Id,
  at: EpochMs,
  windowMs: z.number().int(),
  totals: z.object({ orders: z.number().int(), paidOrders: z.number().int(), paidUnits: z.number().int(), gmv: Gmv }),
  rooms: z.array(DashboardRoom),
  topCreators: z.array(DashboardTop),
  topProducts: z.array(DashboardTop),
});
export type AgencyDashboard = z.infer<typeof AgencyDashboard>;
