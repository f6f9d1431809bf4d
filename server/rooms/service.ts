import type { HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import type { Logger } from '../kernel/log.ts';
import type { Principal } from '@hawker/protocol';
import type { RoomSnapshot } from '@hawker/protocol';
import type { CreateRoomBody, Room } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';
import { roomChannel, roomIdOfChannel } from '../kernel/channels.ts';
import { RoomHooks, type LeaveCause } from './hooks.ts';
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
    policy.require(policy.canCreateRoom(p), 'Only creators create rooms');
    return this.store.create(p, body);
  }

  async goLive(p: Principal, roomId: string): Promise<Room> {
    const room = await this.store.mustGet(roomId);
    policy.require(policy.canGoLive(p, room), 'Only the room\'s creator can go live');
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
    policy.require(policy.canManageRoom(p, room), 'Only the room\'s creator, its agency or an admin can end it');
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
    // Into the channel before the snapshot is read: a push sent in between then reaches the client (which applies
    // what arrives before the ack on top of the snapshot, deduplicated) instead of falling between the two.
    const channel = roomChannel(roomId);
    const wasIn = socket.rooms.has(channel);
    await socket.join(channel);
    let parts: Partial<RoomSnapshot>[];
    try {
      parts = await Promise.all(hooks.map((h) => h.snapshot?.(room, principal) ?? {}));
    } catch (err) {
      if (!wasIn) await socket.leave(channel);
      throw err;
    }
    socket.data.rooms.add(roomId);
    for (const h of hooks) await h.afterJoin?.(room, socket);
    return Object.assign({ room, serverTime: Date.now(), you: principal }, ...parts) as RoomSnapshot;
  }

  /**
   * A connection Socket.IO recovered after a short cut is back in its rooms' channels, with the broadcasts it missed
   * replayed, but this node has not seen it join. Rebuilds `socket.data.rooms` from the channels at once (the adapter
   * restores `socket.data` through msgpack, which turns the Set into a plain object), then re-checks each room as a
   * join would (ended meanwhile? banned meanwhile?) and runs the afterJoin hooks so features count it again.
   */
  resume(socket: HawkerSocket): Promise<void> {
    const roomIds = [...socket.rooms].map(roomIdOfChannel).filter((id): id is string => id !== null);
    socket.data.rooms = new Set(roomIds);
    return (async () => {
      for (const roomId of roomIds) await this.rejoin(socket, roomId);
    })();
  }

  private async rejoin(socket: HawkerSocket, roomId: string): Promise<void> {
    const drop = async () => {
      socket.data.rooms.delete(roomId);
      await socket.leave(roomChannel(roomId));
    };
    const room = await this.store.get(roomId);
    if (!room || room.status === 'ended') {
      await drop();
      socket.emit('room:ended', { roomId, reason: room?.endReason ?? 'This live has ended' });
      return;
    }
    try {
      for (const h of this.hooks.list()) await h.beforeJoin?.(room, socket);
    } catch (err) {
      await drop();
      if (!(err instanceof AppError)) throw err;
      socket.emit('room:kicked', { roomId, reason: err.message });
      return;
    }
    if (!socket.connected) return; // cut again while we checked: the disconnect handler already left its rooms
    for (const h of this.hooks.list()) await h.afterJoin?.(room, socket);
  }

  /** Takes the socket out of the room; `cause` tells the hooks whether it may be back soon (see LeaveCause). */
  async leave(socket: HawkerSocket, roomId: string, cause: LeaveCause): Promise<void> {
    if (!socket.data.rooms.delete(roomId)) return;
    await socket.leave(roomChannel(roomId));
    for (const h of this.hooks.list()) {
      await h.afterLeave?.(roomId, socket, cause).catch((err: Error) => this.log.error({ err, hook: h.name, roomId }, 'afterLeave hook failed'));
    }
  }

  private async runEndedHooks(roomId: string, reason: string): Promise<void> {
    for (const h of this.hooks.list()) {
      await h.onEnded?.(roomId, reason).catch((err: Error) => this.log.error({ err, hook: h.name, roomId }, 'onEnded hook failed'));
    }
  }
}
