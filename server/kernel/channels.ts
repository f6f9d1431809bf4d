/**
 * Every Socket.IO channel Hawker uses (a Socket.IO "room": a named set of connections, reaching every node through the
 * adapter), in one typed module: nothing else builds or parses these names.
 *
 * | channel              | who is in it                                                        | what is sent to it           |
 * | -------------------- | ------------------------------------------------------------------- | ---------------------------- |
 * | `room:<roomId>`      | every connection that joined the room (room:join), consoles watching | the room's pushes            |
 * |                      | it (console:watch) or using its media (console:media)                |                              |
 * | `user:<userId>`      | every connection of that user: each joins its own on connect         | mute notices, kicks, order   |
 * |                      | (`joinUserChannel`, called once by the connection handler); kicks    | pushes, shadowed chat echoes |
 * |                      | and revocations (server/auth/sessions.ts) find its sockets here      |                              |
 * | `console:<agencyId>` | agency consoles watching that agency (console:watch)                 | console:roomLive / roomEnded |
 *
 * Socket.IO also puts each connection in a channel named by its socket id; Hawker does not address it.
 */
import type { HawkerSocket } from './context.ts';

export type RoomChannel = `room:${string}`;
export type UserChannel = `user:${string}`;
export type ConsoleChannel = `console:${string}`;
export type Channel = RoomChannel | UserChannel | ConsoleChannel;

const ROOM = 'room:';
const USER = 'user:';
const CONSOLE = 'console:';

/** The channel of everyone in a Hawker room. */
export const roomChannel = (roomId: string): RoomChannel => `${ROOM}${roomId}`;

/** The channel of all of one user's connections. */
export const userChannel = (userId: string): UserChannel => `${USER}${userId}`;

/** The channel of every console watching `agencyId`. */
export const consoleChannel = (agencyId: string): ConsoleChannel => `${CONSOLE}${agencyId}`;

/** The room id of a channel made by `roomChannel`, or null for any other channel. */
export const roomIdOfChannel = (channel: string): string | null => (channel.startsWith(ROOM) ? channel.slice(ROOM.length) : null);

export const isUserChannel = (channel: string): channel is UserChannel => channel.startsWith(USER);

export const isConsoleChannel = (channel: string): channel is ConsoleChannel => channel.startsWith(CONSOLE);

/** The agency id of a channel made by `consoleChannel`, or null for any other channel. */
export const agencyIdOfChannel = (channel: string): string | null => (channel.startsWith(CONSOLE) ? channel.slice(CONSOLE.length) : null);

/**
 * Puts a new connection in its user's channel, the one place that does. A connection recovered by Socket.IO comes back
 * with the channels of the session it resumed: any other user's channel is left first, so pushes for one user never
 * reach another's connection.
 */
export function joinUserChannel(socket: HawkerSocket): Promise<void> {
  const own = userChannel(socket.data.principal.userId);
  const stale = [...socket.rooms].filter((channel) => isUserChannel(channel) && channel !== own);
  // Not awaited one by one: with the in-memory and Redis adapters both happen now, before any event is handled.
  return Promise.all([...stale.map((channel) => socket.leave(channel)), socket.join(own)]).then(() => undefined);
}
