import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { on } from '../edge/socket.ts';
import { consoleChannel, isConsoleChannel, roomChannel, roomIdOfChannel } from '../kernel/channels.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { RoomService } from '../rooms/service.ts';

/** Most live rooms one console follows (one agency's rooms; far above any real agency's concurrent lives). */
const MAX_ROOMS = 200;

/**
 * The agency console's server side: `console:watch` puts one connection in the Socket.IO channel of every live room
 * of an agency, so it receives those rooms' pushes (chat, counts, pinned product, sales, status) without joining them:
 * no presence, no viewer count, no join hooks. Rooms that go live later are added to every watching console (on any
 * node, through the adapter); rooms that end are removed before viewers are cut, and the consoles are told. Moderation
 * itself uses the ordinary `mod:*` events, which check the same agency access.
 */
export function createConsole(
  ctx: HawkerContext,
  rooms: RoomService,
): Domain & { hook: RoomHook; onConnection(socket: HawkerSocket): void } {
  const { io } = ctx;
  const log = ctx.log.child({ module: 'console' });

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
      /** Rooms this connection uses the media of through console:media (in `data.rooms`, without a join). */
      const mediaRooms = new Set<string>();
      // Leave console channels before Socket.IO saves the session for connection-state recovery: a recovered
      // connection must not come back "in" rooms it never joined (the rooms domain would count it as a viewer). The
      // SDK watches again after any reconnect. Console-only room channels are those without a room:join behind them.
      socket.on('disconnecting', () => {
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
        // Membership for the media events only: no join hooks run, so no presence and no viewer count. The rooms
        // domain's leave-on-disconnect still runs the leave hooks, which is what closes this connection's media.
        await socket.join(roomChannel(roomId));
        socket.data.rooms.add(roomId);
        mediaRooms.add(roomId);
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
