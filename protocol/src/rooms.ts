import { z } from 'zod';
import { EpochMs, Id, ImageUrl, PlainText } from './common.ts';

export const RoomStatus = z.enum(['scheduled', 'live', 'ended']);
export type RoomStatus = z.infer<typeof RoomStatus>;

/** A room as stored and as every client sees it. */
export const Room = z.object({
  id: Id,
  title: z.string(),
  coverUrl: z.string().nullable(),
  creatorId: Id,
  creatorName: z.string(),
  /** The creator's agency at creation time (null: independent creator). */
  agencyId: Id.nullable(),
  status: RoomStatus,
  scheduledAt: EpochMs.nullable(),
  startedAt: EpochMs.nullable(),
  endedAt: EpochMs.nullable(),
  endReason: z.string().nullable(),
  createdAt: EpochMs,
  /** Additive (issue 18): whether its lives are recorded for replay (docs/replay.md); absent means on. */
  record: z.boolean().optional(),
});
export type Room = z.infer<typeof Room>;

/** POST /api/rooms */
export const CreateRoomBody = z.strictObject({
  title: PlainText(120),
  /** Same rule as product images (https on a public host, or /samples/ or /uploads/ of this server). */
  coverUrl: ImageUrl.optional(),
  /** Planned start (ms epoch); omitted: the room is created ready to go live now. */
  scheduledAt: EpochMs.optional(),
  /** Record the live for replay (docs/replay.md); default true. */
  record: z.boolean().optional(),
});
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

/** POST /api/rooms/:roomId/end */
export const EndRoomBody = z.strictObject({ reason: PlainText(200).optional() });
export type EndRoomBody = z.infer<typeof EndRoomBody>;

/** GET /api/rooms query: filter by agency, creator, status. */
export const ListRoomsQuery = z.strictObject({
  agencyId: Id.optional(),
  creatorId: Id.optional(),
  status: RoomStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListRoomsQuery = z.infer<typeof ListRoomsQuery>;

export const RoomIdParams = z.strictObject({ roomId: Id });

/** room:join payload. */
export const JoinRoomInput = z.strictObject({ roomId: Id });

/** room:leave payload. */
export const LeaveRoomInput = z.strictObject({ roomId: Id });

/** Pushed to everyone in a room when it ends; their sockets are then removed from it. */
export const RoomEnded = z.object({ roomId: Id, reason: z.string() });

/** Pushed when a room's status changes (e.g. scheduled → live). */
export const RoomUpdated = z.object({ room: Room });
