import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { on } from '../edge/socket.ts';
import { agencyIdOfChannel, consoleChannel, isConsoleChannel, roomChannel, roomIdOfChannel } from '../kernel/channels.ts';
import type { LiveSessions, PrincipalChange } from '../auth/index.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { RoomService } from '../rooms/service.ts';
import type { Room } from '@hawker/protocol';

/** Whether a user is banned from a room (moderation's rule, given by the assembly). */
export interface ConsoleBans {
  isBanned(room: Pick<Room, 'id' | 'agencyId' | 'creatorId'>, userId: string): Promise<boolean>;
}

/** Most live rooms one console follows (one agency's rooms; far above any real agency's concurrent lives). */
const MAX_ROOMS = 200;

/**
 * The agency console's server side: `console:watch` puts one connection in the Socket.IO channel of every live room
 * of an agency, so it receives those rooms' pushes (chat, counts, pinned product, sales, status) without joining them:
 * no presence, no viewer count, no join hooks. Rooms that go live later are added to every watching console (on any
 * node, through the adapter); rooms that end are removed before viewers are cut, and the consoles are told. Moderation
 * itself uses the ordinary `mod:*` events, which check the same agency access.
 *
 * Access is live: when a user's principal changes on an open connection (removed from the agency's roster; see
 * server/auth/sessions.ts), the connection leaves every console it may no longer watch, every console-only room channel
 * and console:media room it may no longer moderate (the leave hooks close that media), and is told (`console:revoked`).
 */
export function createConsole(
  ctx: HawkerContext,
  rooms: RoomService,
  deps: { sessions: LiveSessions; bans: ConsoleBans },
): Domain & { hook: RoomHook; onConnection(socket: HawkerSocket): void } {
  const { io } = ctx;
  const log = ctx.log.child({ module: 'console' });
  /**
   * Per connection, the rooms it uses the media of through console:media (in `data.rooms`, without a join). Kept here,
   * not in socket.data, which connection-state recovery serializes.
   */
  const media = new WeakMap<HawkerSocket, Set<string>>();
  const mediaOf = (socket: HawkerSocket): Set<string> => {
    let set = media.get(socket);
    if (!set) media.set(socket, (set = new Set()));
    // A kick (moderation) or a leave removes the room from data.rooms without telling this domain: forget it here too.
    for (const roomId of set) if (!socket.data.rooms.has(roomId)) set.delete(roomId);
    return set;
  };

  /** Drops what the connection's new principal may no longer hold, and tells it what was dropped. */
  async function revoke(socket: HawkerSocket, { after }: PrincipalChange): Promise<void> {
    const lost = new Map<string | null, string[]>();
    for (const channel of [...socket.rooms]) {
      const agencyId = agencyIdOfChannel(channel);
      if (agencyId === null || policy.canModerateAgency(after, agencyId)) continue;
      await socket.leave(channel);
      lost.set(agencyId, []);
    }
    const mediaRooms = mediaOf(socket);
    const consoleRooms = [...socket.rooms]
      .map(roomIdOfChannel)
      .filter((roomId): roomId is string => roomId !== null && (mediaRooms.has(roomId) || !socket.data.rooms.has(roomId)));
    const found = await Promise.all(consoleRooms.map((roomId) => rooms.store.get(roomId)));
    for (const [i, roomId] of consoleRooms.entries()) {
      const room = found[i];
      if (room && policy.canModerateRoom(after, room)) continue;
      if (mediaRooms.delete(roomId))
        await rooms.leave(socket, roomId, 'left'); // the leave hooks close its media
      else await socket.leave(roomChannel(roomId));
      const agencyId = room?.agencyId ?? null;
      lost.set(agencyId, [...(lost.get(agencyId) ?? []), roomId]);
    }
    for (const [agencyId, roomIds] of lost) {
      socket.emit('console:revoked', {
        agencyId,
        roomIds,
        reason: 'roster',
        message: agencyId
          ? `You are no longer on agency ${agencyId}'s staff: its console and rooms were closed on this connection`
          : 'You may no longer moderate these rooms: they were closed on this connection',
      });
    }
  }
  // Whatever triggered the refresh, what changes a principal is the roster (AgencyStore.effective): reason 'roster'.
  deps.sessions.onChange(revoke);

  const hook: RoomHook = {
    name: 'console',
    // Right after moderation. On end, watching consoles leave the room's channel before anything slower runs: the
    // room's sockets are disconnected shortly after the end, through the adapter, which would cut a console still in it.
    priority: 900,
    async onLive(room) {
      if (!room.agencyId) return;
      const channel = consoleChannel(room.agencyId);
      // Every watching console, on every node, joins the room's channel first, then is told about the room: pushes
      // sent from now on reach it. fetchSockets also returns other nodes' sockets; their emit goes through the adapter.
      const consoles = await io.in(channel).fetchSockets();
      io.in(channel).socketsJoin(roomChannel(room.id));
      await Promise.all(
        consoles.map(async (s) =>
          s.emit('console:roomLive', {
            agencyId: room.agencyId!,
            snapshot: await rooms.snapshot(room, s.data.principal, { observer: true }),
          }),
        ),
      );
    },
    async onEnded(roomId, reason) {
      // Runs on every node. Leave before the room's viewers are disconnected, which would cut the consoles too.
      const room = await rooms.store.get(roomId);
      if (!room?.agencyId) return;
      const channel = consoleChannel(room.agencyId);
      io.in(channel).socketsLeave(roomChannel(roomId));
      io.local.to(channel).emit('console:roomEnded', { agencyId: room.agencyId, roomId, reason });
    },
  };

  return {
    name: 'console',
    hook,
    onConnection(socket) {
      // Leave console channels before Socket.IO saves the session for connection-state recovery: a recovered
      // connection must not come back "in" rooms it never joined (the rooms domain would count it as a viewer). The
      // SDK watches again after any reconnect. Console-only room channels are those without a room:join behind them.
      socket.on('disconnecting', () => {
        const mediaRooms = mediaOf(socket);
        for (const channel of [...socket.rooms]) {
          const roomId = roomIdOfChannel(channel);
          const consoleOnly = roomId !== null && (!socket.data.rooms.has(roomId) || mediaRooms.has(roomId));
          if (consoleOnly || isConsoleChannel(channel)) void socket.leave(channel);
        }
      });

      on(socket, 'console:watch', log, async ({ agencyId }) => {
        const principal = socket.data.principal;
        policy.require(
          policy.canModerateAgency(principal, agencyId),
          "Only this agency's owner, its moderators and admins can watch its rooms",
        );
        // Into the agency channel first, then read the live rooms: a room going live in between is either in the list
        // or announced by onLive (possibly both; the client keys rooms by id).
        await socket.join(consoleChannel(agencyId));
        const live = await rooms.store.list({ agencyId, status: 'live', limit: MAX_ROOMS });
        await socket.join(live.map((room) => roomChannel(room.id)));
        // Access may have been revoked while this ran (the revocation found nothing to drop yet): check again.
        if (!policy.canModerateAgency(socket.data.principal, agencyId)) {
          await socket.leave(consoleChannel(agencyId));
          for (const room of live) if (!socket.data.rooms.has(room.id)) await socket.leave(roomChannel(room.id));
          throw AppError.forbidden("Only this agency's owner, its moderators and admins can watch its rooms");
        }
        const snapshots = await Promise.all(live.map((room) => rooms.snapshot(room, principal, { observer: true })));
        return { agencyId, serverTime: Date.now(), rooms: snapshots };
      });

      on(socket, 'console:media', log, async ({ roomId }) => {
        const room = await rooms.store.mustGet(roomId);
        policy.require(
          policy.canModerateRoom(socket.data.principal, room),
          "Only this room's agency, its creator and admins can watch it from a console",
        );
        if (room.status !== 'live') throw AppError.conflict(room.status === 'ended' ? 'This live has ended' : 'This room is not live yet');
        // A ban holds for staff too: a kick removes a banned user from their console:media rooms; they do not get back in.
        if (await deps.bans.isBanned(room, socket.data.principal.userId)) throw AppError.forbidden('You are banned from this room');
        // Membership for the media events only: no join hooks run, so no presence and no viewer count. The rooms
        // domain's leave-on-disconnect still runs the leave hooks, which is what closes this connection's media.
        const wasIn = socket.data.rooms.has(roomId);
        // A console media session holds one of the connection's ROOMS_PER_SOCKET slots, like a join (QUOTA_EXCEEDED).
        const release = rooms.takeRoomSlot(socket, roomId);
        try {
          await socket.join(roomChannel(roomId));
          socket.data.rooms.add(roomId);
        } finally {
          release();
        }
        if (!wasIn) mediaOf(socket).add(roomId);
        // Access may have been revoked while this ran: check again, and undo.
        if (!policy.canModerateRoom(socket.data.principal, room)) {
          if (mediaOf(socket).delete(roomId)) await rooms.leave(socket, roomId, 'left');
          throw AppError.forbidden("Only this room's agency, its creator and admins can watch it from a console");
        }
        return { roomId };
      });

      on(socket, 'console:unwatch', log, async ({ agencyId }) => {
        if (!socket.rooms.has(consoleChannel(agencyId))) return { agencyId };
        await socket.leave(consoleChannel(agencyId));
        for (const room of await rooms.store.list({ agencyId, status: 'live', limit: MAX_ROOMS })) {
          if (!socket.data.rooms.has(room.id)) await socket.leave(roomChannel(room.id));
        }
        return { agencyId };
      });
    },
    async close() {},
  };
}
