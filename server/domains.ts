import type { Hawker } from './app.ts';
import { createAgency } from './agency/index.ts';
import { createAuth } from './auth/index.ts';
import { createConsole } from './console/index.ts';
import { createChat } from './chat/index.ts';
import { createLikes } from './likes/index.ts';
import { createLimits } from './limits/index.ts';
import { createModeration, moderationKeys } from './moderation/index.ts';
import { createPresence } from './presence/index.ts';
import { createClips, createRecording } from './recording/index.ts';
import { createMetrics } from './kernel/metrics.ts';
import { createRedisMemoryMonitor } from './health/redisMemory.ts';
import { createAnalytics, createDashboard } from './analytics/index.ts';
import { createCatalog } from './catalog/index.ts';
import { createFlashSales } from './flash-sale/index.ts';
import { restErrorHandlers } from './edge/rest.ts';
import { guardSocket } from './edge/socket.ts';
import { ledgerOn } from './ledger/index.ts';
import { createOrders } from './orders/index.ts';
import { registerRoomMetrics } from './rooms/metrics.ts';
import { registerTickMetrics, tickCast } from './kernel/ticks.ts';
import { registerLedgerPoolMetrics } from './ledger/metrics.ts';
import { createPayments } from './payments/index.ts';
import { createRooms } from './rooms/index.ts';
import { createSelection } from './selection/index.ts';
import { createShops, ShopStore } from './shops/index.ts';
import { ShopStock } from './stock/shopStock.ts';
import { createExports } from './exports/index.ts';
import { createWebhooks } from './webhooks/index.ts';
import { createRefunds } from './refunds/index.ts';
import { createFulfilment } from './fulfilment/index.ts';
import { createWeb } from './web/index.ts';
import { createUploads } from './uploads/index.ts';
import { createSearch } from './search/index.ts';
import { createStorefront, StorefrontService } from './storefront/index.ts';
import { createFollows } from './follows/index.ts';
import { createStream } from './stream/index.ts';
import { createCrowd } from './crowd/index.ts';
import { registerCrowdMetrics } from './crowd/metrics.ts';
import { joinUserChannel } from './kernel/channels.ts';
import type { HawkerSocket } from './kernel/context.ts';

/**
 * Wires every domain module into a node, in dependency order. The one place that knows the full list of domains, so
 * the server entry and the test helpers start identical nodes.
 */
export async function registerDomains(node: Hawker): Promise<void> {
  const { ctx } = node;
  // Limits first: the client address (TRUSTED_PROXIES) and the per-address REST limit come before every route.
  const limits = createLimits(ctx);
  node.add(limits);
  // The agency roster comes first: auth asks it for the effective principal behind every token.
  const agency = createAgency(ctx);
  node.add(agency);
  // Every authenticated rest() route counts against its user's REST limit; connections against SOCKETS_PER_USER
  // (a handshake middleware after authentication's).
  const auth = limits.rest.limitAuth(createAuth(ctx, { refine: (claims) => agency.store.effective(claims) }));
  // A user cooling down after a cut is refused before their connection is counted.
  ctx.io.use(limits.cuts.middleware);
  ctx.io.use(limits.connections.middleware);
  agency.mount(auth);
  const rooms = createRooms(ctx, auth);
  node.add(rooms);
  // Domains below only receive the rooms service; their room hooks and snapshot slots are registered further down, in
  // one place.

  const metrics = createMetrics(ctx.app); // GET /metrics; domains register on it
  node.add(createRedisMemoryMonitor(ctx, metrics)); // Redis memory headroom: gauges, and a warning when it runs low
  registerRoomMetrics(metrics, ctx.io); // rooms and connections in them on this node
  // What stats and stock ticks cost (writes, drops, bytes, held); a big room's ticks within its write budget.
  const pace = { roomWritesPerSec: ctx.config.TICK_ROOM_WRITES_PER_SEC, maxGapMs: ctx.config.TICK_ROOM_MAX_GAP_MS };
  const ticks = tickCast(ctx.io, pace);
  registerTickMetrics(metrics, ticks);
  node.add(ticks); // its held pushes' timers die with the node
  registerLedgerPoolMetrics(metrics, ctx.db); // the PostgreSQL pool: open, idle, waiting
  const stream = createStream(ctx, auth, rooms.service, metrics);
  node.add(stream);

  // Live rooms (issue 3): likes and chat do their per-room work on presence's one timer per room. Likes is presence's
  // source of the like total (presence knows only the StatsSource interface).
  const likes = createLikes(ctx);
  const presence = createPresence(ctx, { likes: likes.counter });
  const modKeys = moderationKeys(ctx.config.REDIS_KEY_PREFIX);
  const chat = createChat(ctx, presence.localRooms, modKeys);
  // Chat reads moderation's keys; moderation deletes messages through chat's store as a ChatHistory (never imports chat).
  const moderation = createModeration(ctx, {
    auth,
    keys: modKeys,
    rooms: rooms.service,
    agencies: agency.store,
    audit: agency.audit,
    chat: chat.store,
  });
  for (const d of [likes, presence, chat, moderation]) node.add(d);
  // The console drops what a connection may no longer hold when its user's access changes (auth's live sessions), and
  // refuses console:media to users banned from the room (moderation's rule, as an interface).
  const agencyConsole = createConsole(ctx, rooms.service, { sessions: auth.sessions, bans: moderation.service });
  node.add(agencyConsole);

  const onConnection: ((socket: HawkerSocket) => void)[] = [
    rooms.onConnection,
    moderation.onConnection,
    chat.onConnection,
    likes.onConnection,
    stream.onConnection,
    agencyConsole.onConnection,
  ];

  // Selection (选品) and settlement, before the domains that sell: `selection.terms` is the SelectionTerms they ask
  // (in place of server/selection/terms.ts's ownShopOnly) which creator may sell which shop product at what commission.
  const selection = createSelection(ctx, auth, agency.store);
  node.add(selection);
  // Commerce (docs/commerce.md): catalog + pin, flash sales, analytics, payments (queue, worker, webhook), orders.
  // Shops' products sell on every channel from one stock per SKU (issue 15): the stock module's shop pools, the shops'
  // products (PostgreSQL) and selection's terms are shared by the catalog (room selection) and orders.
  const shopStore = new ShopStore(ctx.db);
  const shopStock = new ShopStock(ctx.redis, ctx.config.REDIS_KEY_PREFIX, ctx.db, ctx.log.child({ module: 'stock' }));
  const terms = selection.terms;
  const catalog = createCatalog(ctx, auth, rooms.service, {
    shops: {
      product: (productId) => shopStore.product(shopStore.db, productId),
      owner: async (shopId) => (await shopStore.shop(shopStore.db, shopId))?.ownerId ?? null,
    },
    terms,
  });
  const sales = createFlashSales(ctx, auth, rooms.service, catalog.service);
  // The money ledger's orders, one instance (one group-commit batcher) shared by every domain that writes or reads them.
  const ledger = ledgerOn(ctx.db);
  // The live summary's audience: presence's peak and distinct viewers, likes' total.
  const analytics = createAnalytics(ctx, auth, rooms.service, catalog.service.store, ledger.orders, {
    audience: (roomId) => presence.store.audience(roomId),
    likes: (roomId) => likes.counter.total(roomId),
  });
  const payments = createPayments(ctx, auth, ledger, metrics);
  const orders = createOrders(ctx, auth, {
    rooms: rooms.service,
    catalog: catalog.service.store,
    sales: sales.service.store,
    payments: payments.queue,
    ledger,
    metrics,
    bans: moderation.service, // a banned buyer cannot order, whatever way they are in the room
    shops: shopStore,
    terms,
    shopStock,
  });
  for (const domain of [catalog, sales, analytics, payments, orders]) node.add(domain);
  // Shops and their products (issue 15), durable in PostgreSQL on the ledger's pool.
  const shops = createShops(ctx, auth, shopStock);
  node.add(shops);
  // The centre field (issue 19): search over products, creators and rooms, storefronts, follows and going-live
  // notices. The index follows committed product changes (the shops service's listener) and rooms (hooks below).
  const stockLeft = {
    left: async (productId: string, skuIds: readonly string[]) => (await shopStock.counts(productId, skuIds)).map((c) => c.left),
  };
  const search = createSearch(ctx, auth, {
    rooms: { liveRooms: (limit) => rooms.service.store.list({ status: 'live', limit }) },
    roomProducts: catalog.service.store,
    stock: stockLeft,
  });
  shops.service.onChange(search.service);
  // Clip search docs name shop products' titles: an edit, archive or delete rewrites them in its own transaction.
  shops.service.inTransaction((c, productIds) => search.service.store.shopProductsChanged(c, productIds));
  // A shop's new SKU prices reach the rooms selling the product (`product:price`; the recording's timeline keeps it).
  shops.service.onChange({
    productsChanged: async () => {},
    shopChanged: async () => {},
    pricesChanged: (productId, changes) => catalog.service.shopPricesChanged(productId, changes),
  });
  // Rooms that list a shop product are pushed its new prices and pictures (product:updated).
  shops.service.onChange(catalog.service);
  const follows = createFollows(ctx, auth, {
    creator: (creatorId) => search.service.store.creator(creatorId),
    liveCreators: async () => new Set((await search.service.live.snapshot()).creators.keys()),
  });
  const storefront = createStorefront(
    ctx,
    auth,
    new StorefrontService(
      shopStore,
      search.service.store,
      search.service.live,
      stockLeft,
      { ofCreator: (creatorId, limit) => rooms.service.store.list({ creatorId, limit }) },
      catalog.service.store,
      {
        agency: async (agencyId) => {
          const a = await agency.store.get(agencyId);
          return a ? { name: a.name, creators: (await agency.store.roster(agencyId)).creators } : null;
        },
      },
      follows.service.store,
    ),
  );
  // The agency dashboard's push (issue 19 item 6): ledger figures of the agency's live rooms, creators named by the index.
  const dashboard = createDashboard(ctx, rooms.service, ledger.orders, async (agencyId) => {
    const creators = await search.service.store.creatorsOfAgency(agencyId, 200);
    return new Map(creators.map((c) => [c.creatorId, c.name]));
  });
  for (const d of [search, follows, storefront, dashboard]) node.add(d);
  // Merchant operations (issue 16): streamed CSV exports, and signed outbound webhooks fed by the ledger's outbox.
  const exportsDomain = createExports(ctx, auth, rooms.service);
  node.add(exportsDomain);
  const webhooks = createWebhooks(ctx, auth, exportsDomain.scopes, async (roomId) =>
    (await catalog.service.list(roomId)).map((p) => p.shopId).filter((id): id is string => typeof id === 'string'),
  );
  node.add(webhooks);
  // Recording and replay (issue 18): records lives from this node's room media, keeps their shopping timeline.
  const recording = createRecording(ctx, auth, rooms.service, stream.media);
  node.add(recording);
  // Shoppable clips cut from recordings (issue 18): the attached products as the room sells them, the creator's live room.
  const clips = createClips(ctx, auth, recording.service, {
    product: (roomId, productId) => catalog.service.store.get(roomId, productId),
    liveRoomOf: async (creatorId) => (await rooms.service.store.list({ creatorId, status: 'live', limit: 1 }))[0]?.id ?? null,
  });
  node.add(clips);
  // Search over published clips (issue 19): indexed when published, out when deleted; missed ones caught up at start.
  clips.service.changeListeners.push((clipId) => void search.service.clipChanged(clipId));
  // A room's own product renamed in the room: the clips showing it are indexed again (shop products: in the shops' transaction).
  catalog.service.editListeners.push((_roomId, productId) => void search.service.roomProductChanged(productId));
  search.service.useClips({
    clip: async (clipId) => {
      const row = await clips.service.store.get(clipId);
      if (!row) return null;
      const [wire] = await clips.service.toWire([row]);
      return {
        id: row.id,
        roomId: row.roomId,
        creatorId: row.creatorId,
        title: row.title,
        published: row.publishedAt !== null && row.status === 'ready',
        products: wire?.products ?? [],
      };
    },
  });
  // Crowd assets, post-live reports and the viewer-event pipeline (issue 19): after recording, so its tap of the room
  // pushes (pin and sale markers) wraps recording's and unwinds first at close. Likes, clicks, follows and search
  // clicks reach it through their domains' listeners; joins and leaves through its room hook.
  const crowd = createCrowd(ctx, auth, {
    rooms: rooms.service,
    scopes: exportsDomain.scopes,
    roomProductShop: (roomId, productId) => catalog.service.store.selectedShop(roomId, productId),
    productShop: async (productId) => (await shopStore.product(shopStore.db, productId))?.shopId ?? null,
    creator: async (creatorId) => {
      const doc = await search.service.store.creator(creatorId);
      return doc && { agencyId: doc.agencyId };
    },
    shopExists: async (shopId) => (await shopStore.shop(shopStore.db, shopId)) !== null,
    clipRoom: async (clipId) => (await clips.service.store.get(clipId))?.roomId ?? null,
  });
  node.add(crowd);
  registerCrowdMetrics(metrics, crowd.pipeline); // viewer events accepted and dropped, rows written, pending
  likes.onTap(crowd.listeners.like);
  analytics.service.clickListeners.push(crowd.listeners.click);
  follows.service.followListeners.push(crowd.listeners.follow);
  search.service.clickListeners.push(crowd.listeners.searchClick);
  // After payment (issue 16): staff cancel, refunds through the gateway, buyers' refund requests, the audit reader.
  const refunds = createRefunds(ctx, auth, {
    ledger,
    orders: orders.service.store,
    gateway: payments.runtime.gateway,
    shopStock,
    rooms: rooms.service,
  });
  node.add(refunds);
  // The gateway's refund.succeeded webhooks settle refunds whose answer was lost, without waiting for the retry pass.
  payments.refundWebhooks.push((refund, eventId) => refunds.service.applyGatewayRefund(refund, eventId));
  // Product pictures (issue 17): uploaded, stripped of metadata, served from /uploads/.
  node.add(createUploads(ctx, auth));
  // Fulfilment after payment (issue 16): ship, deliver, auto-complete; pushed on the orders' `order:updated` stream.
  node.add(createFulfilment(ctx, auth, { ledger, shops: shopStore, rooms: rooms.service, announcer: orders.service.store }));

  // Every room hook, in one place. Each declares its priority and RoomHooks runs them highest first, with one error rule
  // per kind (server/rooms/hooks.ts; the order and why: docs/architecture.md, "Rooms and hooks"). Listed in run order.
  rooms.service.hooks.register(
    moderation.hook,
    agencyConsole.hook,
    stream.hook,
    chat.hook,
    likes.hook,
    presence.hook,
    catalog.hook,
    sales.hook,
    search.hook,
    follows.hook,
    webhooks.hook,
    recording.hook,
    crowd.hook,
  );
  // The join snapshot: one provider per slot of RoomSnapshot; a slot without one here does not compile.
  rooms.service.provideSnapshot({
    chatSettings: moderation.snapshot.chatSettings,
    mutedUntil: moderation.snapshot.mutedUntil,
    chat: chat.snapshot.chat,
    stats: presence.snapshot.stats,
    pinned: catalog.snapshot.pinned,
    flashSale: sales.snapshot.flashSale,
  });
  // Orders are taken only once Redis's money state is known to match the ledger (server/orders/recovery.ts).
  await orders.ready;
  onConnection.push(orders.onConnection, analytics.onConnection, dashboard.onConnection);
  ctx.io.on('connection', (socket) => {
    socket.data.rooms ??= new Set();
    // Per-connection event budget: generous for humans and SDK bursts, tight enough that one client cannot hog a node.
    guardSocket(socket, { ratePerSec: ctx.config.SOCKET_EVENTS_PER_SEC, burst: ctx.config.SOCKET_EVENTS_BURST, watch: limits.cuts });
    // Every connection is in its user's channel (mute notices, kicks, order pushes): joined here, once, for all domains.
    joinUserChannel(socket).catch((err: Error) =>
      ctx.log.error(
        { err, userId: socket.data.principal.userId },
        'joining the user channel failed; pushes to this user will not reach this socket',
      ),
    );
    for (const handler of onConnection) handler(socket);
  });
  node.add(await createWeb(ctx)); // the pages and their bundles (server/web)
  node.add((await import('./docs/index.ts')).createDocs(ctx, auth)); // GET /api/docs/openapi.json, from every route above
  // Last: typed 404 and error responses for everything above.
  ctx.app.use(...restErrorHandlers(ctx.log));
}
