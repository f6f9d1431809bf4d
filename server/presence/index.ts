import { randomBytes } from 'node:crypto';
import type { Domain, HawkerContext } from '../app.ts';
import type { LikeCounter } from '../likes/index.ts';
import type { RoomStats } from '../protocol/chat.ts';
import { roomChannel, type RoomHook } from '../rooms/hooks.ts';
import { LocalRooms, type LocalRoom } from './localRooms.ts';
import { PresenceStore } from './store.ts';

export { LocalRooms } from './localRooms.ts';

/**
 * The presence domain: which users are in which room on this node (LocalRooms, which also owns each room's one
 * timer), viewer counts across nodes (PresenceStore), and the stats push. Joins and leaves are never broadcast one by
 * one: each node, on each stats tick, writes its share, reads the room's totals (viewers, likes) and, only if they
 * changed, pushes one `room:stats` packet to its own sockets in the room. Pushing locally (not through the adapter)
 * means a viewer gets one stats packet per tick however many nodes serve the room.
 */
export function createPresence(ctx: HawkerContext, likes: LikeCounter): Domain & { localRooms: LocalRooms; store: PresenceStore; hook: RoomHook } {
  const { config, io } = ctx;
  const log = ctx.log.child({ module: 'presence' });
  const nodeId = randomBytes(6).toString('base64url');
  const store = new PresenceStore(ctx.redis, config.REDIS_KEY_PREFIX, nodeId, config.PRESENCE_TTL_MS);
  const localRooms = new LocalRooms({ tickMs: config.ROOM_TICK_MS, statsTickMs: config.STATS_TICK_MS }, log);

  const readStats = async (local: LocalRoom, localUsers = local.distinctUsers): Promise<RoomStats> => {
    const roomId = local.room.id;
    const [viewers, likeTotal] = await Promise.all([store.report(roomId, localUsers), likes.flush(roomId)]);
    return { roomId, viewers, likes: likeTotal };
  };
  const push = (local: LocalRoom, stats: RoomStats): void => {
    const last = local.lastStats;
    if (last && last.viewers === stats.viewers && last.likes === stats.likes) return;
    local.lastStats = { viewers: stats.viewers, likes: stats.likes };
    io.local.to(roomChannel(stats.roomId)).emit('room:stats', stats);
  };

  localRooms.addParticipant({
    name: 'presence',
    async tick(local, statsTick) {
      if (!statsTick) return;
      push(local, await readStats(local));
    },
    dispose: (roomId) => likes.drop(roomId),
  });

  // Liveness: a node that stops calling this (crash, partition) stops counting after PRESENCE_TTL_MS.
  const beat = () => store.heartbeat().catch((err: Error) => log.warn({ err }, 'presence heartbeat failed; retrying'));
  const heartbeat = setInterval(beat, Math.max(100, Math.floor(config.PRESENCE_TTL_MS / 3)));
  heartbeat.unref();
  void beat();

  const hook: RoomHook = {
    name: 'presence',
    async snapshot(room, principal, opts) {
      // The joiner is not in LocalRooms yet (afterJoin runs later): count them now so the snapshot matches what the
      // next stats push will say. An observer (agency console) is never counted: this node's true share is reported.
      const local = localRooms.get(room.id);
      const joining = !opts?.observer && !local?.users.has(principal.userId);
      const users = (local?.distinctUsers ?? 0) + (joining ? 1 : 0);
      const [viewers, likeTotal] = await Promise.all([store.report(room.id, users), likes.total(room.id)]);
      return { stats: { roomId: room.id, viewers, likes: likeTotal } };
    },
    async afterJoin(room, socket) {
      // Disconnected while the join was in flight: its disconnect handler has run already, so entering now would leave
      // a viewer behind that nothing ever removes.
      if (!socket.connected) return;
      const local = localRooms.enter(room, socket.data.principal.userId, socket.id);
      // A recovered connection got the chat it missed replayed, but counts are pushed per node and are not replayed:
      // send this socket the current ones.
      if (socket.recovered) socket.emit('room:stats', await readStats(local));
    },
    async afterLeave(roomId, socket) {
      localRooms.exit(roomId, socket.data.principal.userId, socket.id);
    },
    async onEnded(roomId) {
      localRooms.end(roomId);
      await store.forget(roomId);
    },
  };

  return {
    name: 'presence',
    localRooms,
    store,
    hook,
    async close() {
      clearInterval(heartbeat);
      const roomIds = localRooms.ids();
      await localRooms.close();
      await store.removeNode(roomIds);
    },
  };
}
