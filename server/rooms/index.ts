import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { on } from '../edge/socket.ts';
import { leaveCause } from './hooks.ts';
import { roomRoutes } from './routes.ts';
import { RoomService } from './service.ts';

export type { RoomHook } from './hooks.ts';
export type { SnapshotProviders } from './snapshot.ts';
export { RoomService } from './service.ts';

/** The rooms domain: REST lifecycle, room:join / room:leave, the hook runner and the snapshot builder features plug into. */
export function createRooms(ctx: HawkerContext, auth: Auth): Domain & { service: RoomService; onConnection(socket: HawkerSocket): void } {
  const service = new RoomService(ctx);
  ctx.app.use(roomRoutes(service, auth));
  const log = ctx.log.child({ module: 'rooms' });
  return {
    name: 'rooms',
    service,
    onConnection(socket) {
      // First, synchronously: a recovered connection's room bookkeeping must be rebuilt before any handler runs.
      if (socket.recovered) service.resume(socket).catch((err: Error) => log.error({ err }, 'resuming a recovered connection failed'));
      on(socket, 'room:join', log, ({ roomId }) => service.join(socket, roomId));
      on(socket, 'room:leave', log, async ({ roomId }) => {
        await service.leave(socket, roomId, 'left');
        return { roomId };
      });
      socket.on('disconnect', (reason) => {
        const cause = leaveCause(reason);
        for (const roomId of [...socket.data.rooms]) {
          service.leave(socket, roomId, cause).catch((err: Error) => log.error({ err, roomId }, 'leave on disconnect failed'));
        }
      });
    },
    async close() {},
  };
}
