import type { HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import type { Principal } from '@hawker/protocol';
import type { RoomSnapshot } from '@hawker/protocol';
import type { CreateRoomBody, Room } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';
import { roomChannel, roomIdOfChannel } from '../kernel/channels.ts';
import { RoomHooks, type LeaveCause } from './hooks.ts';
import { snapshotBuilder, type SnapshotBuilder, type SnapshotProviders } from './snapshot.ts';
import { RoomStore } from './store.ts';

/**
 * Room lifecycle and membership: create, go live, end, join, leave. Features plug in through `hooks` (run by priority,
 * one error rule per kind: server/rooms/hooks.ts) and give the join snapshot's slots through `provideSnapshot`; the node
 * does both once, in server/domains.ts.
 */
export class RoomService {
  readonly store: RoomStore;
  readonly hooks: RoomHooks;
  private buildSnapshot: SnapshotBuilder | undefined;
  /** Rooms each connection is joining right now (not yet in `data.rooms`): they hold a ROOMS_PER_SOCKET slot too. */
  private readonly joining = new WeakMap<HawkerSocket, Set<string>>();
  /**
   * Per connection, joins in flight and when each has (or has not) made the connection a member: what `isMember` waits
   * for, so a page can ask for media in parallel with its join instead of one round trip after it.
   */
  private readonly membership = new WeakMap<HawkerSocket, Map<string, Promise<void>>>();

  constructor(private readonly ctx: HawkerContext) {
    this.store = new RoomStore(ctx.redis, ctx.config.REDIS_KEY_PREFIX);
    this.hooks = new RoomHooks(ctx.log.child({ module: 'rooms' }));
    // Another node ended a room: this node's part of it ends too. The runner never rejects (failures are logged).
    ctx.io.on('room:ended', (roomId, reason) => {
      void this.hooks.onEnded(roomId, reason);
    });
  }

  /** Sets the provider of every snapshot slot (once, before the node takes connections). */
  provideSnapshot(providers: SnapshotProviders): void {
    if (this.buildSnapshot) throw new Error('The snapshot providers are already set');
    this.buildSnapshot = snapshotBuilder(providers);
  }

  /**
   * What joining `room` shows `principal`; `observer`: read without joining (the agency console), so not counted. Reads
   * only: no ban check, no membership.
   */
  async snapshot(room: Room, principal: Principal, { observer }: { observer: boolean }): Promise<RoomSnapshot> {
    if (!this.buildSnapshot) throw new Error('No snapshot providers: server/domains.ts sets them before the node takes connections');
    return this.buildSnapshot(room, { principal, observer });
  }

  async create(p: Principal, body: CreateRoomBody): Promise<Room> {
    policy.require(policy.canCreateRoom(p), 'Only creators create rooms');
    // Every creator (admins included) has the same quotas: a room costs the same whoever opens it.
    const { ROOMS_OPEN_PER_CREATOR: open, ROOMS_CREATED_PER_HOUR: perHour } = this.ctx.config;
    const room = await this.store.create(p, body, { open, perHour });
    // The room exists whatever a hook does: onScheduled failures are logged by the runner, never thrown.
    await this.hooks.onScheduled(room);
    return room;
  }

  async goLive(p: Principal, roomId: string): Promise<Room> {
    const room = await this.store.mustGet(roomId);
    policy.require(policy.canGoLive(p, room), "Only the room's creator can go live");
    const live = await this.store.transition(roomId, 'live');
    // The room is live whatever a hook does: onLive failures are logged by the runner, never thrown.
    await this.hooks.onLive(live);
    this.ctx.io.to(roomChannel(roomId)).emit('room:updated', { room: live });
    return live;
  }

  /**
   * Ends a room everywhere: status first (so nothing new starts), then every node's hooks (sales stop, media closes),
   * then viewers are told why and disconnected.
   */
  async end(p: Principal, roomId: string, reason = 'The creator ended the live'): Promise<Room> {
    const room = await this.store.mustGet(roomId);
    policy.require(policy.canManageRoom(p, room), "Only the room's creator, its agency or an admin can end it");
    const ended = await this.store.transition(roomId, 'end', reason);
    await this.hooks.onEnded(roomId, reason);
    this.ctx.io.serverSideEmit('room:ended', roomId, reason);
    const channel = roomChannel(roomId);
    this.ctx.io.to(channel).emit('room:ended', { roomId, reason });
    // Give the room:ended packet a moment to flush before cutting the sockets.
    setTimeout(() => this.ctx.io.in(channel).disconnectSockets(true), 250).unref();
    return ended;
  }

  async join(socket: HawkerSocket, roomId: string): Promise<RoomSnapshot> {
    const release = this.takeRoomSlot(socket, roomId);
    let inFlight = this.membership.get(socket);
    if (!inFlight) this.membership.set(socket, (inFlight = new Map()));
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const mine = inFlight;
    mine.set(roomId, settled);
    try {
      return await this.joinWithSlot(socket, roomId, settle);
    } finally {
      settle(); // refused: the waiters see no membership
      if (mine.get(roomId) === settled) mine.delete(roomId);
      release();
    }
  }

  /**
   * Whether the connection is in the room, waiting first for a `room:join` of it in flight on this connection (until
   * it makes the connection a member or fails). Events sent right after `room:join`, without waiting for its ack, then
   * see the join they follow. Not a wait for joins that were never asked.
   */
  async isMember(socket: HawkerSocket, roomId: string): Promise<boolean> {
    if (socket.data.rooms.has(roomId)) return true;
    const pending = this.membership.get(socket)?.get(roomId);
    if (!pending) return false;
    await pending;
    return socket.data.rooms.has(roomId);
  }

  /**
   * Holds one of the connection's ROOMS_PER_SOCKET slots for a join in flight, or throws QUOTA_EXCEEDED. Checked and taken
   * in one synchronous step, so parallel joins on one connection cannot all pass; joins already done and joins in
   * flight both count, and so do rooms console:media added to `data.rooms`. Re-joining a room the connection is in
   * takes no slot. Returns the release (the joined room then holds its slot through `data.rooms`).
   */
  takeRoomSlot(socket: HawkerSocket, roomId: string): () => void {
    let joining = this.joining.get(socket);
    if (!joining) this.joining.set(socket, (joining = new Set()));
    const held = new Set([...socket.data.rooms, ...joining]);
    if (held.has(roomId)) return () => {};
    const max = this.ctx.config.ROOMS_PER_SOCKET;
    if (held.size >= max)
      throw AppError.quotaExceeded(
        'ROOMS_PER_SOCKET',
        max,
        `This connection is in ${held.size} rooms (at most ${max}); leave one (room:leave) before joining another`,
      );
    const mine = joining;
    mine.add(roomId);
    return () => mine.delete(roomId);
  }

  /** `member` is called once the connection counts as in the room (before the after-join hooks). */
  private async joinWithSlot(socket: HawkerSocket, roomId: string, member: () => void = () => {}): Promise<RoomSnapshot> {
    const room = await this.store.mustGet(roomId);
    if (room.status === 'ended') throw AppError.conflict(`This live has ended (${room.endReason ?? 'ended'})`);
    await this.hooks.beforeJoin(room, socket); // may refuse
    const principal = socket.data.principal;
    // Into the channel before the snapshot is read: a push sent in between then reaches the client (which applies
    // what arrives before the ack on top of the snapshot, deduplicated) instead of falling between the two.
    const channel = roomChannel(roomId);
    const wasIn = socket.rooms.has(channel);
    await socket.join(channel);
    let snapshot: RoomSnapshot;
    try {
      snapshot = await this.snapshot(room, principal, { observer: false });
    } catch (err) {
      if (!wasIn) await socket.leave(channel);
      throw err;
    }
    socket.data.rooms.add(roomId);
    member();
    await this.hooks.afterJoin(room, socket); // notifications: never fails the join
    return snapshot;
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
      await this.hooks.beforeJoin(room, socket);
    } catch (err) {
      await drop();
      if (!(err instanceof AppError)) throw err;
      socket.emit('room:kicked', { roomId, reason: err.message });
      return;
    }
    if (!socket.connected) return; // cut again while we checked: the disconnect handler already left its rooms
    await this.hooks.afterJoin(room, socket);
  }

  /** Takes the socket out of the room; `cause` tells the hooks whether it may be back soon (see LeaveCause). */
  async leave(socket: HawkerSocket, roomId: string, cause: LeaveCause): Promise<void> {
    if (!socket.data.rooms.delete(roomId)) return;
    await socket.leave(roomChannel(roomId));
    await this.hooks.afterLeave(roomId, socket, cause);
  }
}
