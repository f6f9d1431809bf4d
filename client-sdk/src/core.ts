/**
 * Everything the SDK exports except the media classes ({@link Player}, {@link Publisher}), whose module carries
 * mediasoup-client: `index.ts` is this plus them. The web pages are bundled against this module
 * (server/web/build.ts), so a page's first script has no WebRTC code; `LiveRoom.watch` and `publish` load it when
 * first used, in a chunk of its own (issue 20).
 */
export { HawkerApi, type ApiOptions } from './api.ts';
export { AgencyConsole, type AgencyConsoleEvents } from './agencyConsole.ts';
export type {
  Child,
  ClientSocket,
  CloseCode,
  ConnectOptions,
  LifecycleEvents,
  RequestName,
  RequestPayload,
  RequestResult,
  ServerPushes,
  SessionStatus,
} from './connection.ts';
export { HawkerError, type ClientErrorCode, type HawkerErrorCode } from './errors.ts';
export { LiveRoom, type BuyInput, type JoinOptions, type LiveRoomEvents } from './liveRoom.ts';
export { RoomModeration, type KeywordEdit } from './moderation.ts';
export { applyLiveEvent, liveStateFromSnapshot, type LiveEvent, type LiveRoomState } from './state/live.ts';
export {
  applyCommerceEvent,
  commerceStateFromSnapshot,
  COMMERCE_PUSHES,
  skuKey,
  type CommerceEvent,
  type CommercePush,
  type CommerceState,
  type OrderView,
  type SalePool,
} from './state/commerce.ts';
export { compareMessageIds } from '@hawker/protocol';
export type * from '@hawker/protocol';
export type {
  MediaEvents,
  MediaHost,
  MediaOptions,
  Player,
  PlayerState,
  Publisher,
  PublishOptions,
  WatchOptions,
} from './media.ts';
