/**
 * Hawker client SDK: join a live-commerce room, receive typed pushes, act with typed errors.
 *
 * @example
 * import { LiveRoom, HawkerError } from '@hawker/client-sdk';
 * const room = await LiveRoom.join('http://localhost:3000', token, roomId);
 * room.on('room:ended', ({ reason }) => alert(reason));
 */
export * from './core.ts';
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
