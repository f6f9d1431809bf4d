import type { HawkerContext } from '../app.ts';
import { access } from '../auth/access.ts';
import type { Logger } from '../infra/log.ts';
import type { HawkerSocket } from '../infra/socketEdge.ts';
import type { Principal } from '../protocol/auth.ts';
import type { RoomSnapshot } from '../protocol/index.ts';
import type { CreateRoomBody, Room } from '../protocol/rooms.ts';
import { AppError } from '../errors.ts';
import { roomChannel, RoomHooks } from './hooks.ts';
import { RoomStore } from './store.ts';

/** Room lifecycle and membership: create, go live, end, join, leave. Features plug in through `hooks`. */
export class RoomService {
  readonly store: RoomStore;
  readonly hooks = new RoomHooks();
  private readonly log: Logger;

  constructor(private readonly ctx: HawkerContext) {
    this.store = new RoomStore(ctx.redis, ctx.config.REDIS_KEY_PREFIX);
    this.log = ctx.log.child({ module: 'rooms' });
    ctx.io.on('room:ended', (roomId, reason) => {
      void this.runEndedHooks(roomId, reason);
    });
  }

  async create(p: Principal, body: CreateRoomBody): Promise<Room> {
    access.require(p.role === 'creator' || p.role === 'admin', 'Only creators create rooms');
    return this.store.create(p, body);
  }

  async goLive(p: Principal, roomId: string): Promise<Room> {
    const room = await this.store.mustGet(roomId);
    access.require(p.role === 'admin' || (p.role === 'creator' && room.creatorId === p.userId), 'Only the room\'s creator can go live');
    const live = await this.store.transition(roomId, 'live');
    for (const h of this.hooks.list()) await h.onLive?.(live);
    this.ctx.io.to(roomChannel(roomId)).emit('room:updated', { room: live });
    return live;
  }

  /**
   * Ends a room everywhere: status first (so nothing new starts), then every node's hooks (sales stop, media closes),
   * then viewers are told why and disconnected.
   */
  async end(p: Principal, roomId: string, reason = 'The creator ended the live'): Promise<Room> {
    const room = await this.store.mustGet(roomId);
    access.require(access.canManageRoom(p, room), 'Only the room\'s creator, its agency or an admin can end it');
    const ended = await this.store.transition(roomId, 'end', reason);
    await this.runEndedHooks(roomId, reason);
    this.ctx.io.serverSideEmit('room:ended', roomId, reason);
    const channel = roomChannel(roomId);
    this.ctx.io.to(channel).emit('room:ended', { roomId, reason });
    // Give the room:ended packet a moment to flush before cutting the sockets.
    setTimeout(() => this.ctx.io.in(channel).disconnectSockets(true), 250).unref();
    return ended;
  }

  async join(socket: HawkerSocket, roomId: string): Promise<RoomSnapshot> {
    const room = await this.store.mustGet(roomId);
    if (room.status === 'ended') throw AppError.conflict(`This live has ended (${room.endReason ?? 'ended'})`);
    const hooks = this.hooks.list();
    for (const h of hooks) await h.beforeJoin?.(room, socket);
    const principal = socket.data.principal;
    const parts = await Promise.all(hooks.map((h) => h.snapshot?.(room, principal) ?? {}));
    await socket.join(roomChannel(roomId));
    socket.data.rooms.add(roomId);
    for (const h of hooks) await h.afterJoin?.(room, socket);
    return Object.assign({ room, serverTime: Date.now(), you: principal }, ...parts) as RoomSnapshot;
  }

  async leave(socket: HawkerSocket, roomId: string): Promise<void> {
    if (!socket.data.rooms.delete(roomId)) return;
    await socket.leave(roomChannel(roomId));
    for (const h of this.hooks.list()) {
      await h.afterLeave?.(roomId, socket).catch((err: Error) => this.log.error({ err, hook: h.name, roomId }, 'afterLeave hook failed'));
    }
  }

  private async runEndedHooks(roomId: string, reason: string): Promise<void> {
    for (const h of this.hooks.list()) {
      await h.onEnded?.(roomId, reason).catch((err: Error) => this.log.error({ err, hook: h.name, roomId }, 'onEnded hook failed'));
    }
  }
}
