/**
 * Hawker client SDK: join a live-commerce room, receive typed pushes, act with typed errors.
 *
 * @example
 * import { LiveRoom, HawkerError } from '@hawker/client-sdk';
 * const room = await LiveRoom.join('http://localhost:3000', token, roomId);
 * room.on('room:ended', ({ reason }) => alert(reason));
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
export {
  Player,
  Publisher,
  type MediaEvents,
  type MediaHost,
  type MediaOptions,
  type PlayerState,
  type PublishOptions,
  type WatchOptions,
} from './media.ts';
export type * from '@hawker/protocol';
