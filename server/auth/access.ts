import { AppError } from '../kernel/errors.ts';
import type { Principal } from '@hawker/protocol';
import type { Room } from '@hawker/protocol';

/**
 * The access policy, in one place, so every route and event asks the same question the same way.
 *
 * - admin: everything.
 * - creator: their own rooms (go live, end, products, sales, moderation).
 * - agency (owner): every room of the agency's creators (end, products, sales, moderation).
 * - moderator: moderation in every room of their agency; nothing else.
 * - viewer: only their own actions (chat, like, buy, their orders).
 *
 * `agencyId` comes from the signed token; a room's agency is fixed when the room is created.
 */
export const access = {
  /** Go live, end, edit: the room's creator, its agency owner, or an admin. */
  canManageRoom(p: Principal, room: Pick<Room, 'creatorId' | 'agencyId'>): boolean {
    if (p.role === 'admin') return true;
    if (p.role === 'creator') return room.creatorId === p.userId;
    if (p.role === 'agency') return room.agencyId !== null && room.agencyId === p.agencyId;
    return false;
  },
  /** Delete messages, mute, ban, slow mode, keywords: managers plus the agency's moderators. */
  canModerateRoom(p: Principal, room: Pick<Room, 'creatorId' | 'agencyId'>): boolean {
    if (access.canManageRoom(p, room)) return true;
    return p.role === 'moderator' && room.agencyId !== null && room.agencyId === p.agencyId;
  },
  /** Agency-wide actions (roster, agency bans and keywords, the console): the agency's owner and moderators, admins. */
  canModerateAgency(p: Principal, agencyId: string): boolean {
    if (p.role === 'admin') return true;
    return (p.role === 'agency' || p.role === 'moderator') && p.agencyId === agencyId;
  },
  /** Roster changes: the agency owner, admins. */
  canManageAgency(p: Principal, agencyId: string): boolean {
    return p.role === 'admin' || (p.role === 'agency' && p.agencyId === agencyId);
  },
  /** Throws FORBIDDEN unless `allowed`. */
  require(allowed: boolean, message?: string): void {
    if (!allowed) throw AppError.forbidden(message);
  },
};
