import { z } from 'zod';
import { EpochMs, Id } from './common.ts';
import type { RoomSnapshot } from './snapshot.ts';

/**
 * Agency console (server/console): one connection per moderator follows every live room of an agency (chat, counts,
 * pinned product, sales, room status) without joining any of them as a viewer: it is not counted, not in presence,
 * and can moderate any of them. After `console:watch`, the connection receives the rooms' own pushes (each carries its
 * `roomId`) plus the two pushes below as rooms come and go. Only the agency's owner, its moderators and admins may
 * watch; another agency's rooms are refused.
 */

/** console:watch / console:unwatch payload. */
export const ConsoleWatchInput = z.strictObject({ agencyId: Id });

/**
 * console:media: lets this connection use one live room's media (`media:*`) to show its video, as a moderator: not
 * counted, not in presence. A room's media lives on one node, so consoles open one such connection per thumbnail,
 * routed by room like a viewer's (docs/media.md).
 */
export const ConsoleMediaInput = z.strictObject({ roomId: Id });

// The snapshot schema lives in protocol/index.ts, which imports this file; a type-only import keeps modules acyclic.
// These are server outputs (typed for both ends, never parsed), so the precise type is what matters here.
const Snapshot = z.custom<RoomSnapshot>();

/** console:watch ack: what every live room of the agency looks like now (the same snapshot a join returns). */
export const ConsoleWatchResult = z.object({ agencyId: Id, serverTime: EpochMs, rooms: z.array(Snapshot) });
export type ConsoleWatchResult = z.infer<typeof ConsoleWatchResult>;

/** Pushed to an agency's consoles when one of its rooms goes live; the console already receives that room's pushes. */
export const ConsoleRoomLive = z.object({ agencyId: Id, snapshot: Snapshot });
export type ConsoleRoomLive = z.infer<typeof ConsoleRoomLive>;

/** Pushed to an agency's consoles when one of its rooms ends; nothing more comes from it. */
export const ConsoleRoomEnded = z.object({ agencyId: Id, roomId: Id, reason: z.string() });
export type ConsoleRoomEnded = z.infer<typeof ConsoleRoomEnded>;

/**
 * Pushed to a connection that lost its access to an agency's rooms while it was open (a moderator or creator removed
 * from the agency's roster): the agency's console (`console:watch`) and the listed rooms' pushes and media
 * (`console:media`) stopped on this connection, and further staff actions there are refused. `agencyId` is the agency
 * whose access was lost (null for a room without one); `roomIds` the rooms this connection stopped receiving.
 */
export const ConsoleRevoked = z.object({
  agencyId: Id.nullable(),
  roomIds: z.array(Id),
  reason: z.enum(['roster']),
  message: z.string(),
});
export type ConsoleRevoked = z.infer<typeof ConsoleRevoked>;
