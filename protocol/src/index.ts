/**
 * The wire contract between Hawker's server and every client (the SDK, the web pages, tests). Zod schemas are the
 * single source: TypeScript types are inferred from them, and the typed Socket.IO event maps are built from the two
 * registries below, so server handlers and the SDK cannot drift apart. Each domain declares its schemas in its own file
 * here and adds its events to the registries.
 */
import { z } from 'zod';
import {
  clientEvents as defineClientEvents,
  serverEvents as defineServerEvents,
  type ClientEventMap,
  type ServerEventMap,
} from './events.ts';
import { JoinRoomInput, LeaveRoomInput, RoomEnded, RoomUpdated } from './rooms.ts';
import { ConsoleMediaInput, ConsoleRevoked, ConsoleRoomEnded, ConsoleRoomLive, ConsoleWatchInput, ConsoleWatchResult } from './console.ts';
import { ConnectionCut, SessionRevoked } from './auth.ts';
import {
  ChatBatch,
  ChatDeleted,
  ChatMessage,
  ChatMuted,
  ChatSendInput,
  ChatSettings,
  LikeTapInput,
  LikeTapResult,
  RoomKicked,
  RoomStats,
} from './chat.ts';
import {
  Done,
  KeywordList,
  ModAgencyBanInput,
  ModAgencyKeywordsInput,
  ModAgencyUserInput,
  ModBanInput,
  ModDeleteInput,
  ModDeleteResult,
  ModMuteInput,
  ModMuteResult,
  ModRoomKeywordsInput,
  ModSlowModeInput,
  ModUserInput,
} from './moderation.ts';
import * as media from './media.ts';
import { RoomSnapshot } from './snapshot.ts';
import { RecordingStopped } from './recordings.ts';
import {
  FlashSale,
  Order,
  OrderIdInput,
  OrderUpdated,
  PinnedProduct,
  PlaceOrderInput,
  PlaceOrderResult,
  ProductEventInput,
  ProductEventResult,
  ProductPriceChanged,
  ProductUnpinned,
  SaleEnded,
  SaleSoldOut,
  StockUpdate,
} from './commerce.ts';
import { OrderRefundUpdated } from './refunds.ts';
import { AgencyDashboard, DashboardWatchInput, Notice } from './centre.ts';
import { ProductUpdated } from './summary.ts';

export * from './auth.ts';
export * from './common.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './rooms.ts';
export * from './console.ts';
export * from './chat.ts';
export * from './messageIds.ts';
export * from './moderation.ts';
export * from './agency.ts';
export * from './media.ts';
export * from './commerce.ts';
export * from './shops.ts';
export * from './merchantOps.ts';
export * from './refunds.ts';
export * from './fulfilment.ts';
export * from './snapshot.ts';

/** Every client→server event, its payload schema and its ack data schema. */
export const clientEventSpecs = defineClientEvents({
  'room:join': { input: JoinRoomInput, output: RoomSnapshot },
  'room:leave': { input: LeaveRoomInput, output: z.object({ roomId: z.string() }) },
  // Agency console (server/console)
  'console:watch': { input: ConsoleWatchInput, output: ConsoleWatchResult },
  'console:unwatch': { input: ConsoleWatchInput, output: z.object({ agencyId: z.string() }) },
  'console:media': { input: ConsoleMediaInput, output: z.object({ roomId: z.string() }) },
  // Agency dashboard (issue 19, server/analytics): the agency's commerce figures, pushed while watched
  'dashboard:watch': { input: DashboardWatchInput, output: AgencyDashboard },
  'dashboard:unwatch': { input: DashboardWatchInput, output: z.object({ agencyId: z.string() }) },
  // Live rooms (issue 3)
  'chat:send': { input: ChatSendInput, output: ChatMessage },
  'like:tap': { input: LikeTapInput, output: LikeTapResult },
  'mod:delete': { input: ModDeleteInput, output: ModDeleteResult },
  'mod:mute': { input: ModMuteInput, output: ModMuteResult },
  'mod:unmute': { input: ModUserInput, output: Done },
  'mod:ban': { input: ModBanInput, output: Done },
  'mod:unban': { input: ModUserInput, output: Done },
  'mod:agencyBan': { input: ModAgencyBanInput, output: Done },
  'mod:agencyUnban': { input: ModAgencyUserInput, output: Done },
  'mod:slowMode': { input: ModSlowModeInput, output: ChatSettings },
  'mod:roomKeywords': { input: ModRoomKeywordsInput, output: KeywordList },
  'mod:agencyKeywords': { input: ModAgencyKeywordsInput, output: KeywordList },
  // Live video (protocol/media.ts): the calls a mediasoup-client Device makes, in order.
  'media:capabilities': { input: media.MediaRoomInput, output: media.MediaCapabilities },
  'media:createTransport': { input: media.CreateTransportInput, output: media.TransportParams },
  'media:connectTransport': { input: media.ConnectTransportInput, output: media.MediaOk },
  'media:closeTransport': { input: media.TransportInput, output: media.MediaOk },
  'media:restartIce': { input: media.TransportInput, output: media.RestartIceResult },
  'media:reattach': { input: media.TransportInput, output: media.ReattachResult },
  'media:produce': { input: media.ProduceInput, output: z.object({ id: media.MediaId }) },
  'media:pauseProducer': { input: media.ProducerInput, output: media.MediaOk },
  'media:resumeProducer': { input: media.ProducerInput, output: media.MediaOk },
  'media:closeProducer': { input: media.ProducerInput, output: media.MediaOk },
  'media:consume': { input: media.ConsumeInput, output: media.ConsumerParams },
  'media:resume': { input: media.ConsumerInput, output: media.MediaOk },
  'media:pause': { input: media.ConsumerInput, output: media.MediaOk },
  'media:setPreferredLayers': { input: media.SetPreferredLayersInput, output: media.PreferredLayers },
  // A viewer's start in one request (issue 20): capabilities, recv transport and paused consumers.
  'media:watch': { input: media.WatchInput, output: media.WatchStart },
  // Commerce (server/orders, server/analytics)
  'order:place': { input: PlaceOrderInput, output: PlaceOrderResult },
  'order:cancel': { input: OrderIdInput, output: Order },
  'product:impression': { input: ProductEventInput, output: ProductEventResult },
  'product:click': { input: ProductEventInput, output: ProductEventResult },
});
export type ClientEventName = keyof typeof clientEventSpecs;

/** Every server→client push and its payload schema. */
export const serverEventSpecs = defineServerEvents({
  'room:updated': RoomUpdated,
  'room:ended': RoomEnded,
  // Agency console (server/console)
  'console:roomLive': ConsoleRoomLive,
  'console:roomEnded': ConsoleRoomEnded,
  'console:revoked': ConsoleRevoked,
  // Identity (server/auth): an admin signed this user out everywhere
  'session:revoked': SessionRevoked,
  // Limits (server/limits): this connection sent far past its budget and is cut (docs/security.md)
  'connection:cut': ConnectionCut,
  // Live rooms (issue 3)
  'chat:batch': ChatBatch,
  'chat:deleted': ChatDeleted,
  'chat:settings': ChatSettings,
  'chat:muted': ChatMuted,
  'room:stats': RoomStats,
  'room:kicked': RoomKicked,
  'media:producerAdded': media.ProducerAdded,
  'media:producerState': media.ProducerState,
  'media:producerClosed': media.ProducerClosed,
  'media:consumerClosed': media.ConsumerClosed,
  'media:reconnect': media.MediaReconnect,
  // Commerce (server/catalog, server/flash-sale, server/orders)
  'product:pinned': PinnedProduct,
  'product:unpinned': ProductUnpinned,
  'product:price': ProductPriceChanged,
  // Issue 17: a listed product's title, pictures or prices changed (server/catalog)
  'product:updated': ProductUpdated,
  'sale:scheduled': FlashSale,
  'sale:started': FlashSale,
  'sale:soldout': SaleSoldOut,
  'sale:ended': SaleEnded,
  'stock:update': StockUpdate,
  'order:updated': OrderUpdated,
  // Recording (server/recording): to the creator and the agency's consoles
  'recording:stopped': RecordingStopped,
  // After payment (server/refunds): a refund of one of the buyer's orders changed
  'order:refund': OrderRefundUpdated,
  // Centre field (issue 19, server/follows): a followed creator scheduled or started a live
  'notice:new': Notice,
  // Agency dashboard (issue 19, server/analytics): the figures of a watched agency changed
  'dashboard:update': AgencyDashboard,
});

export type ClientToServerEvents = ClientEventMap<typeof clientEventSpecs>;
export type ServerToClientEvents = ServerEventMap<typeof serverEventSpecs>;

/** Events between server nodes through the adapter (serverSideEmit). */
export interface InterServerEvents {
  /** A room ended on another node: local hooks (sales, media) clean up. */
  'room:ended': (roomId: string, reason: string) => void;
  /** Moderation removed a user from one room (`roomId`) or from every room of an agency (`agencyId`): each node drops them. */
  'mod:kick': (target: { userId: string; roomId: string | null; agencyId: string | null; reason: string }) => void;
  /**
   * A user's access changed (roster change, sessions revoked): each node recomputes the principal of that user's open
   * connections and drops what they may no longer hold (server/auth/sessions.ts).
   */
  'auth:refresh': (change: { userId: string; reason: 'roster' | 'signedOut' }) => void;
  /**
   * One tick of room state (viewer and like counts, live stock) for every room in it: each node pushes each payload to
   * its own connections in the room, `volatile`. Sent over Redis pub/sub, never kept (server/kernel/ticks.ts).
   */
  'room:ticks': (batch: { event: 'room:stats'; payloads: RoomStats[] } | { event: 'stock:update'; payloads: StockUpdate[] }) => void;
}
export * from './selection.ts';
export * from './centre.ts';
export * from './recordings.ts';
export * from './clips.ts';
export * from './uploads.ts';
export * from './summary.ts';
export * from './crowd.ts';
