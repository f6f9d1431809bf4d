import type { z } from 'zod';
import type {
  CrowdErasureBody,
  CrowdErasureResult,
  CrowdOverview,
  CrowdPeopleQuery,
  CrowdQuery,
  CrowdScopeKind,
  CrowdTouchBody,
  CrowdTouchResult,
  RoomReport,
  RoomSummary,
  UploadedImage,
  AgencyAnalytics,
  ApprovedRefundRequest,
  ApproveRefundRequestBody,
  CreateRefundBody,
  CreateRefundRequestBody,
  MerchantAuditPage,
  MerchantAuditQuery,
  OrderRefunds,
  RefundRequest,
  RefundRequestList,
  RefundRequestPage,
  ListShopRefundRequestsQuery,
  RefundResult,
  AgencyStorefront,
  CreatorStorefront,
  FollowList,
  FollowResult,
  ListFollowsQuery,
  ListNoticesQuery,
  MarkNoticesReadBody,
  NoticeList,
  SearchClickBody,
  SearchQuery,
  SearchResult,
  ShopStorefront,
  StorefrontListQuery,
  StorefrontProductDetail,
  AgencyModerationState,
  AgencyRoster,
  RosterChange,
  RosterList,
  CreateProductBody,
  CreateRoomBody,
  DevTokenRequest,
  DevTokenResponse,
  FlashSale,
  ListOrdersQuery,
  ListRecordingsQuery,
  Clip,
  ClipList,
  CreateClipBody,
  ListClipsQuery,
  ListRoomsQuery,
  Order,
  OrderHistory,
  OrderList,
  PinnedProduct,
  PlaceOrderResult,
  PlaceShopOrderBody,
  Product,
  Recording,
  Room,
  RoomAnalytics,
  RoomModerationState,
  ScheduleSaleBody,
  RecordingTimeline,
  RecordingTimelineQuery,
  ShipmentsUploadResult,
  ShipOrderBody,
  DeliverOrderBody,
  WireError,
} from '@hawker/protocol';
import { HawkerError } from './errors.ts';

/**
 * Options for {@link HawkerApi}.
 *
 * @example
 * const api = new HawkerApi(url, token, { timeoutMs: 5_000 });
 */
export interface ApiOptions {
  /** Milliseconds to wait for each response (default 10 s). */
  timeoutMs?: number;
}

/**
 * Typed REST client for a Hawker server: room lifecycle (create, go live, end, list) and the other HTTP endpoints the
 * room features use. Uses the global `fetch` (browsers, Node 18+). Every failure is a {@link HawkerError}: the server's
 * typed error, `NOT_CONNECTED` when the server cannot be reached, `TIMEOUT` when it does not answer.
 *
 * @example
 * const { token } = await HawkerApi.devToken('http://localhost:3000', { userId: 'c1', name: 'Mia', role: 'creator' });
 * const api = new HawkerApi('http://localhost:3000', token);
 * const room = await api.createRoom({ title: 'Spring sale' });
 * await api.goLive(room.id);
 */
export class HawkerApi {
  /** Base URL without a trailing slash. */
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(
    url: string,
    readonly token: string,
    opts: ApiOptions = {},
  ) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /**
   * Mints a token from the server's development signer (`POST /api/dev/tokens`; servers with DEV_TOKENS=false answer
   * NOT_FOUND). For demos and tests: production tokens come from your identity provider.
   *
   * @example
   * const { token, principal } = await HawkerApi.devToken(url, { userId: 'v1', name: 'Ann', role: 'viewer' });
   */
  static devToken(url: string, principal: z.input<typeof DevTokenRequest>, opts: ApiOptions = {}): Promise<DevTokenResponse> {
    return new HawkerApi(url, '', opts).call('POST', '/api/dev/tokens', principal);
  }

  /**
   * Creates (or, with `scheduledAt`, schedules) a room. Creators only.
   *
   * @example
   * const room = await api.createRoom({ title: 'Night market', coverUrl: 'https://cdn.example.com/c.jpg' });
   */
  createRoom(body: z.input<typeof CreateRoomBody>): Promise<Room> {
    return this.call('POST', '/api/rooms', body);
  }

  /**
   * Reads one room.
   *
   * @example
   * const { status } = await api.getRoom(roomId);
   */
  getRoom(roomId: string): Promise<Room> {
    return this.call('GET', roomPath(roomId));
  }

  /**
   * Lists rooms, newest first; filters intersect.
   *
   * @example
   * const live = await api.listRooms({ status: 'live', agencyId: 'ag1' });
   */
  async listRooms(query: z.input<typeof ListRoomsQuery> = {}): Promise<Room[]> {
    const res = await this.call<{ rooms: Room[] }>('GET', `/api/rooms${queryString(query)}`);
    return res.rooms;
  }

  /**
   * Takes a scheduled room live (its creator only); everyone in the room gets `room:updated`.
   *
   * @example
   * await api.goLive(room.id);
   */
  goLive(roomId: string): Promise<Room> {
    return this.call('POST', `${roomPath(roomId)}/live`);
  }

  /**
   * Ends a room for everyone (creator, its agency, admins): viewers get `room:ended` with `reason`.
   *
   * @example
   * await api.endRoom(room.id, 'Thanks for watching!');
   */
  endRoom(roomId: string, reason?: string): Promise<Room> {
    return this.call('POST', `${roomPath(roomId)}/end`, reason === undefined ? {} : { reason });
  }

  /**
   * The room's products with live stock per SKU.
   *
   * @example
   * const products = await api.listProducts(roomId);
   */
  async listProducts(roomId: string): Promise<Product[]> {
    return (await this.call<{ products: Product[] }>('GET', `${roomPath(roomId)}/products`)).products;
  }

  /**
   * Adds a product to the room's catalog (its creator, agency or an admin). Prices are integer minor units.
   *
   * @example
   * await api.createProduct(roomId, { title: 'Silk scarf', imageUrl, price: 1999, currency: 'USD', skus: [{ id: 'std', label: 'One size', stock: 100 }] });
   */
  createProduct(roomId: string, body: z.input<typeof CreateProductBody>): Promise<Product> {
    return this.call('POST', `${roomPath(roomId)}/products`, body);
  }

  /**
   * Puts a shop product on the room's list (its creator, its agency's owner and moderators, admins), if selection lets
   * the room's creator sell it. It sells from the shop SKUs' one stock, shared with every room and the storefront.
   *
   * @example
   * await api.selectProduct(roomId, shopProductId);
   */
  selectProduct(roomId: string, productId: string): Promise<Product> {
    return this.call('POST', `${roomPath(roomId)}/selection`, { productId });
  }

  /**
   * Takes a selected shop product off the room's list; its stock keeps selling on other channels.
   *
   * @example
   * await api.deselectProduct(roomId, shopProductId);
   */
  deselectProduct(roomId: string, productId: string): Promise<{ removed: true }> {
    return this.call('DELETE', `${roomPath(roomId)}/selection/${encodeURIComponent(productId)}`);
  }

  /**
   * Buys a shop product outside a live: from the storefront or a product link, a search result, or a room's replay or
   * clip (`roomId`, whose creator is credited). Retrying with the same `idempotencyKey` returns the same order.
   * Refusals throw a HawkerError (CONFLICT with `details.reason`: SOLD_OUT, ARCHIVED, ENDED...).
   *
   * @example
   * const { order } = await api.placeShopOrder({ productId, skuId, quantity: 1, idempotencyKey: crypto.randomUUID(), channel: 'storefront' });
   */
  placeShopOrder(body: z.input<typeof PlaceShopOrderBody>): Promise<PlaceOrderResult> {
    return this.call('POST', '/api/orders', body);
  }

  /**
   * Searches products, creators and rooms (人找货): Chinese and English, typo-tolerant for Latin words, live-now and
   * in-stock results first. Public. Page one kind with `type` and the answer's `nextCursor`.
   *
   * @example
   * const { products, nextCursor, searchId } = await api.search({ q: '口红', type: 'products', maxPrice: 20_000 });
   */
  search(query: z.input<typeof SearchQuery>): Promise<SearchResult> {
    return this.call('GET', `/api/search${queryString(query)}`);
  }

  /**
   * Records that a search result was opened (the funnel's "searched"). Public; idempotent per result.
   *
   * @example
   * await api.searchClick({ searchId, kind: 'product', id: products[0].id, position: 0 });
   */
  searchClick(body: SearchClickBody): Promise<{ recorded: boolean }> {
    return this.call('POST', '/api/search/clicks', body);
  }

  /**
   * A shop's public storefront: its products in stock first, with stock left and the live rooms selling them.
   *
   * @example
   * const { shop, products, priceRange } = await api.shopStorefront(shopId);
   */
  shopStorefront(shopId: string, query: z.input<typeof StorefrontListQuery> = {}): Promise<ShopStorefront> {
    return this.call('GET', `/api/storefront/shops/${encodeURIComponent(shopId)}${queryString(query)}`);
  }

  /**
   * A creator's public storefront: their live room if live now, scheduled lives, the products they selected.
   *
   * @example
   * const { live, scheduled } = await api.creatorStorefront('c1');
   */
  creatorStorefront(creatorId: string): Promise<CreatorStorefront> {
    return this.call('GET', `/api/storefront/creators/${encodeURIComponent(creatorId)}`);
  }

  /**
   * An agency's public storefront: its creators and its rooms live now.
   *
   * @example
   * const { creators, live } = await api.agencyStorefront('ag1');
   */
  agencyStorefront(agencyId: string): Promise<AgencyStorefront> {
    return this.call('GET', `/api/storefront/agencies/${encodeURIComponent(agencyId)}`);
  }

  /**
   * A product's detail page outside the room: SKUs, images, stock left per SKU, live rooms selling it. Buy it with
   * {@link HawkerApi.placeShopOrder} and channel 'storefront'.
   *
   * @example
   * const { product, stock } = await api.productDetail(productId);
   */
  productDetail(productId: string): Promise<StorefrontProductDetail> {
    return this.call('GET', `/api/storefront/products/${encodeURIComponent(productId)}`);
  }

  /**
   * Follows a creator (idempotent): their going-live notices arrive as `notice:new` and in {@link HawkerApi.notices}.
   * At most FOLLOWS_PER_USER (QUOTA_EXCEEDED).
   *
   * @example
   * await api.follow('c1');
   */
  follow(creatorId: string): Promise<FollowResult> {
    return this.call('PUT', `/api/follows/${encodeURIComponent(creatorId)}`);
  }

  /**
   * Unfollows a creator (idempotent).
   *
   * @example
   * await api.unfollow('c1');
   */
  unfollow(creatorId: string): Promise<FollowResult> {
    return this.call('DELETE', `/api/follows/${encodeURIComponent(creatorId)}`);
  }

  /**
   * Creators the caller follows, newest first.
   *
   * @example
   * const { follows } = await api.myFollows();
   */
  myFollows(query: z.input<typeof ListFollowsQuery> = {}): Promise<FollowList> {
    return this.call('GET', `/api/me/follows${queryString(query)}`);
  }

  /**
   * The caller's notices, newest first, with the unread count.
   *
   * @example
   * const { notices, unread } = await api.notices({ unread: 'true' });
   */
  notices(query: z.input<typeof ListNoticesQuery> = {}): Promise<NoticeList> {
    return this.call('GET', `/api/me/notices${queryString(query)}`);
  }

  /**
   * Marks notices read: some by id, or all.
   *
   * @example
   * await api.markNoticesRead({ all: true });
   */
  markNoticesRead(body: MarkNoticesReadBody): Promise<{ updated: number; unread: number }> {
    return this.call('POST', '/api/me/notices/read', body);
  }

  /**
   * Pins a product: every viewer's "now explaining" card switches to it (`product:pinned`).
   *
   * @example
   * await api.pin(roomId, productId);
   */
  pin(roomId: string, productId: string): Promise<PinnedProduct> {
    return this.call('PUT', `${roomPath(roomId)}/pin`, { productId });
  }

  /**
   * Removes the pinned card (`product:unpinned`).
   *
   * @example
   * await api.unpin(roomId);
   */
  unpin(roomId: string): Promise<unknown> {
    return this.call('DELETE', `${roomPath(roomId)}/pin`);
  }

  /**
   * Schedules a flash sale (starts at once without `startsAt`): its units are taken from the SKU's stock, and every
   * viewer gets the countdown (`sale:scheduled`, `sale:started`) and live stock (`stock:update`).
   *
   * @example
   * await api.scheduleSale(roomId, { productId, skuId: 'std', durationMs: 60_000, salePrice: 999, quantity: 50, perBuyerLimit: 2 });
   */
  scheduleSale(roomId: string, body: z.input<typeof ScheduleSaleBody>): Promise<FlashSale> {
    return this.call('POST', `${roomPath(roomId)}/sales`, body);
  }

  /**
   * The room's flash sales, past and upcoming.
   *
   * @example
   * const sales = await api.listSales(roomId);
   */
  async listSales(roomId: string): Promise<FlashSale[]> {
    return (await this.call<{ sales: FlashSale[] }>('GET', `${roomPath(roomId)}/sales`)).sales;
  }

  /**
   * Ends a flash sale early; unsold units return to the SKU.
   *
   * @example
   * await api.endSale(roomId, saleId);
   */
  endSale(roomId: string, saleId: string): Promise<FlashSale> {
    return this.call('POST', `${roomPath(roomId)}/sales/${encodeURIComponent(saleId)}/end`);
  }

  /**
   * The room's commerce counters: impressions, clicks, orders, units, paid orders, GMV per currency.
   *
   * @example
   * const { orders, gmv } = await api.roomAnalytics(roomId);
   */
  roomAnalytics(roomId: string): Promise<RoomAnalytics> {
    return this.call('GET', `${roomPath(roomId)}/analytics`);
  }

  /**
   * A live's summary: peak and distinct viewers, likes, best sellers; orders and GMV for the room's staff (null for
   * others). Works while live and after the end.
   *
   * @example
   * const { peakViewers, topProducts } = await api.roomSummary(roomId);
   */
  roomSummary(roomId: string): Promise<RoomSummary> {
    return this.call('GET', `${roomPath(roomId)}/summary`);
  }

  /**
   * Uploads a product picture (creators, merchants): a PNG, JPEG or WebP file, at most the server's UPLOAD_MAX_BYTES.
   * Its metadata is stripped; put the answer's `url` in a product's images.
   *
   * @example
   * const { url } = await api.uploadImage(fileInput.files[0]);
   */
  uploadImage(image: Blob): Promise<UploadedImage> {
    return this.call('POST', '/api/uploads/images', image);
  }

  /**
   * The agency's commerce counters over all its rooms (owner, moderators, admins).
   *
   * @example
   * const { gmv } = await api.agencyAnalytics('ag1');
   */
  agencyAnalytics(agencyId: string): Promise<AgencyAnalytics> {
    return this.call('GET', `/api/agencies/${encodeURIComponent(agencyId)}/analytics`);
  }

  /**
   * An agency and its roster (its owner, its moderators, admins).
   *
   * @example
   * const { creators, moderators } = await api.agencyRoster('ag1');
   */
  agencyRoster(agencyId: string): Promise<AgencyRoster> {
    return this.call('GET', `/api/agencies/${encodeURIComponent(agencyId)}`);
  }

  /**
   * Adds an account to the agency's creators or moderators (its owner, admins); their open connections gain the
   * agency at once.
   *
   * @example
   * const { roster } = await api.addToRoster('ag1', 'moderators', 'lee');
   */
  addToRoster(agencyId: string, list: RosterList, userId: string): Promise<RosterChange> {
    return this.call('PUT', `/api/agencies/${encodeURIComponent(agencyId)}/${list}/${encodeURIComponent(userId)}`);
  }

  /**
   * Removes an account from the agency's creators or moderators (its owner, admins); their open consoles close.
   *
   * @example
   * await api.removeFromRoster('ag1', 'creators', 'mia');
   */
  removeFromRoster(agencyId: string, list: RosterList, userId: string): Promise<RosterChange> {
    return this.call('DELETE', `/api/agencies/${encodeURIComponent(agencyId)}/${list}/${encodeURIComponent(userId)}`);
  }

  /**
   * A room's moderation state: slow mode, keywords, bans, mutes (its staff and agency moderators).
   *
   * @example
   * const { keywords } = await api.roomModeration(roomId);
   */
  roomModeration(roomId: string): Promise<RoomModerationState> {
    return this.call('GET', `${roomPath(roomId)}/moderation`);
  }

  /**
   * An agency's moderation state: its keyword list and agency-wide bans.
   *
   * @example
   * const { keywords } = await api.agencyModeration('ag1');
   */
  agencyModeration(agencyId: string): Promise<AgencyModerationState> {
    return this.call('GET', `/api/agencies/${encodeURIComponent(agencyId)}/moderation`);
  }

  /**
   * The signed-in buyer's orders across every room, newest first: one page (`limit`, default 50), without its cursor.
   * To read further, use {@link HawkerApi.myOrdersPage}.
   *
   * @example
   * const paid = await api.myOrders({ status: 'paid' });
   */
  async myOrders(query: z.input<typeof ListOrdersQuery> = {}): Promise<Order[]> {
    return (await this.myOrdersPage(query)).orders;
  }

  /**
   * One page of the signed-in buyer's orders, newest first. Pass `nextCursor` back as `cursor` for the next page (null
   * on the last); `status`, `from` (inclusive) and `to` (exclusive, ms) filter.
   *
   * @example
   * let page = await api.myOrdersPage({ limit: 20 });
   * while (page.nextCursor) page = await api.myOrdersPage({ limit: 20, cursor: page.nextCursor });
   */
  myOrdersPage(query: z.input<typeof ListOrdersQuery> = {}): Promise<OrderList> {
    return this.call('GET', `/api/orders${queryString(query)}`);
  }

  /**
   * One page of a room's orders, newest first (its creator, its agency, admins); paged and filtered as
   * {@link HawkerApi.myOrdersPage}.
   *
   * @example
   * const { orders, nextCursor } = await api.roomOrders(roomId, { status: 'paid', limit: 100 });
   */
  roomOrders(roomId: string, query: z.input<typeof ListOrdersQuery> = {}): Promise<OrderList> {
    return this.call('GET', `${roomPath(roomId)}/orders${queryString(query)}`);
  }

  /**
   * One page of the orders of all an agency's rooms, newest first (its owner, its moderators, admins); paged and
   * filtered as {@link HawkerApi.myOrdersPage}.
   *
   * @example
   * const today = await api.agencyOrders('ag1', { from: startOfDay, limit: 200 });
   */
  agencyOrders(agencyId: string, query: z.input<typeof ListOrdersQuery> = {}): Promise<OrderList> {
    return this.call('GET', `/api/agencies/${encodeURIComponent(agencyId)}/orders${queryString(query)}`);
  }

  /**
   * Every step an order took, oldest first, with why and who (a user id, or `system:…`): its payment statuses and its
   * fulfilment steps (`kind` tells them apart: shipped, delivered, completed), with its fulfilment (carrier, tracking
   * number) and refunded total; for its buyer and the room's managers (anyone else gets NOT_FOUND).
   *
   * @example
   * const { events, fulfilment } = await api.orderHistory(orderId);
   * if (fulfilment?.trackingNumber) showTracking(fulfilment.carrier, fulfilment.trackingNumber);
   */
  orderHistory(orderId: string): Promise<OrderHistory> {
    return this.call('GET', `/api/orders/${encodeURIComponent(orderId)}/history`);
  }

  /**
   * A room's or a creator's recordings, newest first (exactly one of `roomId`, `creatorId`); failed ones only for the
   * room's staff (docs/replay.md).
   *
   * @example
   * const [latest] = await api.listRecordings({ roomId });
   */
  async listRecordings(query: z.input<typeof ListRecordingsQuery>): Promise<Recording[]> {
    return (await this.call<{ recordings: Recording[] }>('GET', `/api/recordings${queryString(query)}`)).recordings;
  }

  /**
   * One recording: its status (`recording`, `ready`, `failed`), duration so far and `playlistUrl` (HLS, served with the
   * same bearer token: hls.js's `xhrSetup` can add it).
   *
   * @example
   * const { status, playlistUrl } = await api.getRecording(recordingId);
   */
  getRecording(recordingId: string): Promise<Recording> {
    return this.call('GET', `/api/recordings/${encodeURIComponent(recordingId)}`);
  }

  /**
   * A recording's shopping timeline (pins, unpins, flash-sale starts and ends, sold-outs, gaps; chat with `chat: 'true'`),
   * each at its offset into the recording, in order; page with `afterMs` (the last offset seen).
   *
   * @example
   * const { entries } = await api.recordingTimeline(recordingId);
   * const pins = entries.filter((e) => e.kind === 'pin');
   */
  recordingTimeline(recordingId: string, query: z.input<typeof RecordingTimelineQuery> = {}): Promise<RecordingTimeline> {
    return this.call('GET', `/api/recordings/${encodeURIComponent(recordingId)}/timeline${queryString(query)}`);
  }

  /**
   * Cuts a clip from a recording (docs/replay.md, "Clips"): a range (`startMs`, `endMs`, ms into it) or, during the
   * live, the last `lastMs`; with one or more of the room's products and a title. Answers with the clip `cutting`;
   * poll {@link getClip} until it is `ready`, then {@link publishClip}. The room's creator, its agency's owner, admins.
   *
   * @example
   * const clip = await api.createClip({ recordingId, startMs: 10_000, endMs: 25_000, title: 'The silk scarf', productIds: [scarfId] });
   */
  createClip(body: z.input<typeof CreateClipBody>): Promise<Clip> {
    return this.call('POST', '/api/clips', body);
  }

  /**
   * The clips feed (published clips, newest first), or a creator's or an agency's clips (drafts too for those who
   * manage them). Each carries its products as sold now and the creator's live room, if live.
   *
   * @example
   * const feed = await api.listClips();
   * const mine = await api.listClips({ creatorId });
   */
  async listClips(query: z.input<typeof ListClipsQuery> = {}): Promise<Clip[]> {
    return (await this.call<ClipList>('GET', `/api/clips${queryString(query)}`)).clips;
  }

  /** One clip (a draft only for its room's staff). */
  getClip(clipId: string): Promise<Clip> {
    return this.call('GET', `/api/clips/${encodeURIComponent(clipId)}`);
  }

  /** Publishes a ready clip to the feed (CONFLICT while it is cutting or if it failed). Idempotent. */
  publishClip(clipId: string): Promise<Clip> {
    return this.call('POST', `/api/clips/${encodeURIComponent(clipId)}/publish`);
  }

  /** Deletes a clip (frees its place in CLIPS_PER_CREATOR and CLIPS_PER_AGENCY). */
  async deleteClip(clipId: string): Promise<void> {
    await this.call('DELETE', `/api/clips/${encodeURIComponent(clipId)}`);
  }

  /**
   * Cancels an unpaid (reserved) order with a reason, as the shop's staff or the room's managers; its stock returns at
   * once. An order whose payment is in flight is refused (CONFLICT, `details.reason` PAYMENT_IN_FLIGHT): refund it once
   * it is paid.
   *
   * @example
   * await api.staffCancelOrder(orderId, 'duplicate order');
   */
  staffCancelOrder(orderId: string, reason: string): Promise<Order> {
    return this.call('POST', `${orderPath(orderId)}/staff-cancel`, { reason });
  }

  /**
   * Refunds a paid order through the gateway (the shop's owner, the room's managers, admins): `full: true`, a
   * `quantity` of units, or an `amount`; `restock` returns the units to the shop's stock. The same `idempotencyKey`
   * refunds once however often it is sent (`replayed: true` on repeats). `refund.status` is `requested` while the
   * gateway's outcome is unknown; the server completes it (watch {@link HawkerApi.orderRefunds} or `order:refund`).
   *
   * @example
   * const { refund } = await api.refundOrder(orderId, { idempotencyKey: crypto.randomUUID(), reason: 'broken', quantity: 1 });
   */
  refundOrder(orderId: string, body: z.input<typeof CreateRefundBody>): Promise<RefundResult> {
    return this.call('POST', `${orderPath(orderId)}/refunds`, body);
  }

  /**
   * An order's refunds (oldest first) and totals, for its buyer and the shop's staff.
   *
   * @example
   * const { refundedAmount, refunds } = await api.orderRefunds(orderId);
   */
  orderRefunds(orderId: string): Promise<OrderRefunds> {
    return this.call('GET', `${orderPath(orderId)}/refunds`);
  }

  /**
   * The buyer asks for a refund of a paid order (all of it, or `quantity` units) within the server's refund window.
   *
   * @example
   * const request = await api.requestRefund(orderId, { reason: 'arrived broken', quantity: 1 });
   */
  requestRefund(orderId: string, body: z.input<typeof CreateRefundRequestBody>): Promise<RefundRequest> {
    return this.call('POST', `${orderPath(orderId)}/refund-requests`, body);
  }

  /**
   * An order's refund requests, oldest first, for its buyer and the shop's staff.
   *
   * @example
   * const { requests } = await api.orderRefundRequests(orderId);
   */
  orderRefundRequests(orderId: string): Promise<RefundRequestList> {
    return this.call('GET', `${orderPath(orderId)}/refund-requests`);
  }

  /**
   * One page of a shop's refund requests, newest first (its owner, its staff, admins); `status: 'open'` lists the ones
   * waiting for an answer. Pass `nextCursor` back as `cursor`.
   *
   * @example
   * const { requests } = await api.shopRefundRequests(shopId, { status: 'open' });
   */
  shopRefundRequests(shopId: string, query: z.input<typeof ListShopRefundRequestsQuery> = {}): Promise<RefundRequestPage> {
    return this.call('GET', `/api/shops/${encodeURIComponent(shopId)}/refund-requests${queryString(query)}`);
  }

  /**
   * Approves a buyer's refund request (the shop's owner, the room's managers, admins): the refund is made at once.
   *
   * @example
   * const { refund } = await api.approveRefundRequest(requestId, { restock: true });
   */
  approveRefundRequest(requestId: string, body: z.input<typeof ApproveRefundRequestBody> = {}): Promise<ApprovedRefundRequest> {
    return this.call('POST', `/api/refund-requests/${encodeURIComponent(requestId)}/approve`, body);
  }

  /**
   * Rejects a buyer's refund request with a reason.
   *
   * @example
   * await api.rejectRefundRequest(requestId, 'the seal is broken');
   */
  rejectRefundRequest(requestId: string, reason: string): Promise<RefundRequest> {
    return this.call('POST', `/api/refund-requests/${encodeURIComponent(requestId)}/reject`, { reason });
  }

  /**
   * One page of a shop's (or a room's) merchant audit trail, newest first: money actions, exports, webhook changes.
   * The shop's owner and admins. Pass `nextCursor` back as `cursor`; `from`, `to` (ms) and `action` filter.
   *
   * @example
   * const { entries } = await api.merchantAudit({ shopId, action: 'refund.succeeded' });
   */
  merchantAudit(query: z.input<typeof MerchantAuditQuery>): Promise<MerchantAuditPage> {
    return this.call('GET', `/api/merchant-audit${queryString(query)}`);
  }

  /**
   * Reports what a page saw that no socket event carries (POST /api/crowd/touch): a visit and its traffic source,
   * seconds of a replay or a clip watched (`seconds`, at most 300 a touch), a product opened on a replay or a clip
   * (`productId`). Signed-in people only. In a live room watch time and product clicks are counted from the socket
   * (see {@link LiveRoom.clickProduct}): do not touch for those.
   *
   * @example
   * await api.crowdTouch({ kind: 'watch', source: 'replay', roomId, seconds: 30 });
   * await api.crowdTouch({ kind: 'visit', source: 'storefront', shopId });
   */
  crowdTouch(body: z.input<typeof CrowdTouchBody>): Promise<CrowdTouchResult> {
    return this.call('POST', '/api/crowd/touch', body);
  }

  /**
   * A creator's, agency's or shop's crowd assets: stage sizes per day (种草 interested, 拉新 first, 复购 repeat,
   * lapsed), the flows between stages per day or week, and conversion by traffic source. Its owner, admins.
   *
   * @example
   * const { stages, flows, sources } = await api.crowd('creator', 'c1', { period: 'week' });
   */
  crowd(kind: CrowdScopeKind, id: string, query: z.input<typeof CrowdQuery> = {}): Promise<CrowdOverview> {
    return this.call('GET', `${crowdPath(kind, id)}${queryString(query)}`);
  }

  /**
   * The URL of the CSV of people in one stage (for the merchant's CRM); fetch it with this client's bearer token, or
   * use {@link HawkerApi.crowdPeopleCsv}.
   *
   * @example
   * const url = api.crowdPeopleUrl('shop', shopId, { stage: 'repeat' });
   */
  crowdPeopleUrl(kind: CrowdScopeKind, id: string, query: CrowdPeopleQuery): string {
    return `${this.url}${crowdPath(kind, id)}/people.csv${queryString(query)}`;
  }

  /**
   * The CSV of people in one stage on a day (default today), as text: a header row, then one person a row.
   *
   * @example
   * const csv = await api.crowdPeopleCsv('creator', 'c1', { stage: 'interested' });
   */
  crowdPeopleCsv(kind: CrowdScopeKind, id: string, query: CrowdPeopleQuery): Promise<string> {
    return this.callText(`${crowdPath(kind, id)}/people.csv${queryString(query)}`);
  }

  /**
   * A room's post-live report: viewers, watch time, clicks, orders, GMV and refunds (the ledger's), the funnel, new vs
   * repeat buyers, sources, the per-minute chart and its markers. The room's creator, its agency, admins.
   *
   * @example
   * const { gmv, funnel, minutes } = await api.roomReport(roomId);
   */
  roomReport(roomId: string): Promise<RoomReport> {
    return this.call('GET', `${roomPath(roomId)}/report`);
  }

  /**
   * The post-live report as CSV text (what the report page downloads).
   *
   * @example
   * const csv = await api.roomReportCsv(roomId);
   */
  roomReportCsv(roomId: string): Promise<string> {
    return this.callText(`${roomPath(roomId)}/report.csv`);
  }

  /**
   * The signed-in person asks for their data to be deleted: they leave every crowd list and export, and their
   * personal data in the ledger is anonymised (amounts stay for accounting). Asking again changes nothing more.
   *
   * @example
   * const { first, ledgerRows } = await api.eraseMyData();
   */
  eraseMyData(): Promise<CrowdErasureResult> {
    return this.call('DELETE', '/api/crowd/me');
  }

  /**
   * An admin erases a person on their request (as {@link HawkerApi.eraseMyData} does for themselves).
   *
   * @example
   * await admin.eraseUser('v42');
   */
  eraseUser(userId: string): Promise<CrowdErasureResult> {
    return this.call('POST', '/api/admin/crowd/erasures', { userId } satisfies CrowdErasureBody);
  }

  /**
   * One page of the signed-in buyer's orders across every room and channel, newest first, each with its `timeline`
   * (payment and fulfilment steps with who took them) and `fulfilment`; paged and filtered as
   * {@link HawkerApi.myOrdersPage}.
   *
   * @example
   * let page = await api.listMyOrders({ limit: 20 });
   * for (const o of page.orders) console.log(o.title, o.status, o.fulfilment?.status, o.timeline?.length);
   * if (page.nextCursor) page = await api.listMyOrders({ limit: 20, cursor: page.nextCursor });
   */
  listMyOrders(query: Omit<z.input<typeof ListOrdersQuery>, 'timeline'> = {}): Promise<OrderList> {
    return this.myOrdersPage({ ...query, timeline: 'true' });
  }

  /**
   * Ships a paid order (its shop's owner or staff, its room's managers, admins): carrier and tracking number, with an
   * optional note kept in its history. The same shipment again answers the order unchanged; anything else once
   * shipped is a CONFLICT (fulfilment only moves forward).
   *
   * @example
   * const order = await api.shipOrder(orderId, { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' });
   */
  shipOrder(orderId: string, body: z.input<typeof ShipOrderBody>): Promise<Order> {
    return this.call('POST', `/api/orders/${encodeURIComponent(orderId)}/ship`, body);
  }

  /**
   * Marks a shipped order delivered (the same people as {@link HawkerApi.shipOrder}); the server completes it
   * ORDER_AUTO_COMPLETE_MS later.
   *
   * @example
   * await api.deliverOrder(orderId, { note: 'signed for by the buyer' });
   */
  deliverOrder(orderId: string, body: z.input<typeof DeliverOrderBody> = {}): Promise<Order> {
    return this.call('POST', `/api/orders/${encodeURIComponent(orderId)}/deliver`, body);
  }

  /**
   * The buyer confirms they received their shipped order (确认收货): it completes now rather than
   * ORDER_AUTO_COMPLETE_MS after delivery. Only the order's buyer; confirming again answers the order unchanged.
   *
   * @example
   * const order = await api.confirmReceipt(orderId); // order.fulfilment.status === 'completed'
   */
  confirmReceipt(orderId: string): Promise<Order> {
    return this.call('POST', `/api/orders/${encodeURIComponent(orderId)}/confirm-receipt`, {});
  }

  /**
   * Ships many orders of a shop from CSV text with the header `order_id,carrier,tracking_number`; each row's outcome
   * is in `rows` (a bad row changes nothing; the good ones are applied).
   *
   * @example
   * const res = await api.uploadShipments(shopId, 'order_id,carrier,tracking_number\r\no1,UPS,1Z999AA10123456784\r\n');
   * for (const r of res.rows) if (r.error) console.warn(`row ${r.row}: ${r.error.message}`);
   */
  uploadShipments(shopId: string, csv: string): Promise<ShipmentsUploadResult> {
    return this.call('POST', `/api/shops/${encodeURIComponent(shopId)}/shipments`, { csv });
  }

  /**
   * {@link HawkerApi.uploadShipments} for a room's own products' orders (its creator, its agency's owner, admins); a
   * shop product sold in the room is its shop's to ship.
   *
   * @example
   * const res = await api.uploadRoomShipments(roomId, csvText);
   */
  uploadRoomShipments(roomId: string, csv: string): Promise<ShipmentsUploadResult> {
    return this.call('POST', `${roomPath(roomId)}/shipments`, { csv });
  }

  /**
   * Any JSON endpoint: sends `body` as JSON (a Blob as its bytes) with the bearer token and resolves with the parsed response, or rejects
   * with the server's typed error. The typed methods above are built on it.
   *
   * @example
   * const orders = await api.call<{ orders: unknown[] }>('GET', '/api/orders');
   */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const { res, text } = await this.send(method, path, body);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new HawkerError('INTERNAL', `${method} ${path}: the server answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const error = (parsed as { error?: WireError } | undefined)?.error;
      throw error ? HawkerError.fromWire(error) : new HawkerError('INTERNAL', `${method} ${path}: HTTP ${res.status}`);
    }
    return parsed as T;
  }

  /**
   * A GET whose answer is text (a CSV export), with this client's token; errors typed as {@link HawkerApi.call}'s.
   *
   * @example
   * const csv = await api.callText('/api/rooms/r1/report.csv');
   */
  async callText(path: string): Promise<string> {
    const { res, text } = await this.send('GET', path);
    if (res.ok) return text;
    let error: WireError | undefined;
    try {
      error = (JSON.parse(text) as { error?: WireError }).error;
    } catch {
      // not JSON: the status says it
    }
    throw error ? HawkerError.fromWire(error) : new HawkerError('INTERNAL', `GET ${path}: HTTP ${res.status}`);
  }

  private async send(method: string, path: string, body?: unknown): Promise<{ res: Response; text: string }> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    // A Blob (an uploaded file) goes as its bytes; anything else as JSON.
    const raw = typeof Blob !== 'undefined' && body instanceof Blob;
    if (body !== undefined) headers['content-type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: raw ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError')
        throw new HawkerError('TIMEOUT', `${method} ${path}: no answer within ${this.timeoutMs} ms; retry`);
      throw new HawkerError('NOT_CONNECTED', `Cannot reach ${this.url} (${(err as Error).message}); check the address and your network`);
    }
    return { res, text: await res.text() };
  }
}

const roomPath = (roomId: string): string => `/api/rooms/${encodeURIComponent(roomId)}`;
const orderPath = (orderId: string): string => `/api/orders/${encodeURIComponent(orderId)}`;
const crowdPath = (kind: CrowdScopeKind, id: string): string => `/api/crowd/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`;

function queryString(query: Record<string, unknown>): string {
  const qs = new URLSearchParams(
    Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
  return qs.size ? `?${qs}` : '';
}
