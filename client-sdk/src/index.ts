/**
 * Hawker client SDK: join a live-commerce room, receive typed pushes, act with typed errors.
 *
 * @example
 * import { LiveRoom, HawkerError } from '@hawker/client-sdk';
 * const room = await LiveRoom.join('http://localhost:3000', token, roomId);
 * room.on('room:ended', ({ reason }) => alert(reason));
 */
export { HawkerError } from './errors.ts';
export { LiveRoom, type JoinOptions, type LiveRoomEvents } from './liveRoom.ts';
export type * from '../../server/protocol/index.ts';
