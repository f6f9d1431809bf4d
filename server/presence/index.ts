import { randomBytes } from 'node:crypto';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { closeAll } from '../kernel/closeAll.ts';
import { Ticker } from '../kernel/ticker.ts';
import { tickCast } from '../kernel/ticks.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { SnapshotProviders } from '../rooms/snapshot.ts';
import { LocalRooms, type LocalRoom } from './localRooms.ts';
import type { StatsSource, StatsSources } from './statsSource.ts';
import { statsTick } from './statsTicker.ts';
import { PresenceStore } from './store.ts';

export { LocalRooms } from './localRooms.ts';
export type { SourcedStat, StatsSource, StatsSources } from './statsSource.ts';

/**
 * The presence domain: which users are in which room on this node (LocalRooms, which also owns each room's one
 * timer), distinct viewers per room across nodes (PresenceStore), and the stats broadcast. Each node writes its share
 * of a room (who is there through it) when a user joins and on each stats tick, and folds its like taps in; the room is
 * then marked changed. Joins and leaves are never broadcast one by one: once per stats tick, one node sends every
 * changed room one `room:stats` through the adapter, which reaches every socket watching the room on every node
 * (statsTicker.ts says why). The other numbers of a room's stats (the like total) come from `sources`, which presence
 * ticks and reads without knowing the features behind them (statsSource.ts).
 */
export function createPresence(
  ctx: HawkerContext,
  sources: StatsSources,
): Domain & { localRooms: LocalRooms; store: PresenceStore; hook: RoomHook; snapshot: Pick<SnapshotProviders, 'stats'> } {
  const { config, io } = ctx;
  const log = ctx.log.child({ module: 'presence' });
  const nodeId = randomBytes(6).toString('base64url');
  const store = new PresenceStore(ctx.redis, config.REDIS_KEY_PREFIX, nodeId, config.PRESENCE_TTL_MS);
  const localRooms = new LocalRooms({ tickMs: config.ROOM_TICK_MS, statsTickMs: config.STATS_TICK_MS }, log);
  const sourceList: readonly StatsSource[] = Object.values(sources);
  /** Rooms whose sourced numbers this node moved and has not yet marked changed (the mark rides on the next share write). */
  const sourcesMoved = new Set<string>();

  /**
   * Writes the room's pending membership changes on this node (and whether its sourced numbers moved) into this node's share in
   * Redis. On failure the changes stay pending for the next write.
   */
  const writeShare = async (local: LocalRoom): Promise<void> => {
    const roomId = local.room.id;
    // The creator is in the room (chat, ticks) but never one of its viewers: kept out of every share.
    const creator = local.room.creatorId;
    const changed = [...local.changed].filter((u) => u !== creator);
    local.changed.clear();
    const moved = sourcesMoved.delete(roomId);
    // Taken with the changes: once this write has run, the share in Redis must have exactly this many users (writes go
    // out on one connection, in order, and each carries every change made before it was taken).
    const expected = local.distinctUsers - (local.users.has(creator) ? 1 : 0);
    let share: number;
    try {
      share = await store.sync(roomId, {
        joined: changed.filter((u) => local.users.has(u)),
        left: changed.filter((u) => !local.users.has(u)),
        sourcesMoved: moved,
      });
    } catch (err) {
      for (const u of changed) local.changed.add(u);
      if (moved) sourcesMoved.add(roomId);
      throw err;
    }
    if (share === expected) return;
    // The share is not what this node wrote: other nodes reaped it while this one was too slow to heartbeat, Redis lost
    // data, or an earlier write failed after this one was taken. Rewrite it whole from what this node knows.
    log.warn({ roomId, share, expected }, 'presence share out of step; rewriting it');
    await store.sync(roomId, {
      joined: [...local.users.keys()].filter((u) => u !== creator),
      left: [],
      sourcesMoved: false,
      rewrite: true,
    });
  };

  localRooms.addParticipant({
    name: 'presence',
    // Every stats tick, changes or not: the write also checks that this node's share is still intact (one script call
    // per room per node per stats tick, whatever the room's size).
    async tick(local, statsTick) {
      if (!statsTick) return;
      for (const source of sourceList) if ((await source.flush(local.room.id)) > 0) sourcesMoved.add(local.room.id);
      await writeShare(local);
    },
    dispose: (roomId) => {
      for (const source of sourceList) source.drop(roomId);
      sourcesMoved.delete(roomId);
    },
  });

  // Liveness: a node that stops heartbeating (crash, partition) is reaped by the first live node whose heartbeat finds
  // it PRESENCE_TTL_MS after its last beat: its users leave every count, with nothing run on its behalf.
  const heartbeat = new Ticker('presence-heartbeat', Math.max(100, Math.floor(config.PRESENCE_TTL_MS / 3)), log, async () => {
    for (const dead of await store.heartbeat()) {
      const dropped = await store.reap(dead);
      if (dropped > 0) log.info({ deadNode: dead, dropped }, "took a dead node's viewers out of the counts");
    }
  }).start();
  void heartbeat.tick();
  // Claimed for two ticks: if its holder stops, another node broadcasts within two ticks.
  const ticks = tickCast(io);
  const broadcast = new Ticker('room-stats', config.STATS_TICK_MS, log, () =>
    statsTick(store, sources, ticks, 2 * config.STATS_TICK_MS),
  ).start();

  const hook: RoomHook = {
    name: 'presence',
    // After moderation, so a banned user joining a closing node is told they are banned; otherwise no order constraint.
    priority: 500,
    async beforeJoin() {
      localRooms.assertOpen(); // a closing node refuses joins (afterJoin is a notification and cannot)
    },
    async afterJoin(room, socket) {
      // Disconnected while the join was in flight: its disconnect handler has run already, so entering now would leave
      // a viewer behind that nothing ever removes.
      if (!socket.connected) return;
      const local = localRooms.enter(room, socket.data.principal.userId, socket.id);
      // Written now rather than at the next stats tick, so that snapshots read on any node from now on count this user
      // (one script call per join, like the snapshot's read).
      await writeShare(local).catch((err: Error) => log.warn({ err, roomId: room.id }, 'presence write failed; the room tick retries'));
      // Stats ticks are not replayed to a connection Socket.IO recovered (kernel/ticks.ts): it gets the current
      // numbers now, as a join's snapshot would give them (the SDK rejoins anyway; raw clients may not).
      if (socket.recovered) {
        const [viewers, likes] = await Promise.all([store.count(room.id), sources.likes.total(room.id)]);
        // Local: a tick's state, kept out of the recovery stream like every stats tick (a plain emit would XADD).
        socket.nsp.local.to(socket.id).emit('room:stats', { roomId: room.id, viewers, likes });
      }
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
    snapshot: {
      async stats(room, { principal, observer }) {
        // The joiner's share is written in afterJoin, later: count them now so the snapshot matches the next broadcast.
        // An observer (agency console) and the creator are never counted.
        const [viewers, likes] = await Promise.all([
          store.count(room.id, observer || principal.userId === room.creatorId ? undefined : principal.userId),
          sources.likes.total(room.id),
        ]);
        return { roomId: room.id, viewers, likes };
      },
    },
    close() {
      // Heartbeat first: a beat landing after removeNode would make this node alive again. Then the room ticks (and
      // joins: LocalRooms refuses them once closed), the last writers of this node's shares. The broadcast claim is
      // left to lapse (two ticks).
      return closeAll('presence', [
        ['heartbeat and stats broadcast', () => Promise.all([heartbeat.stop(), broadcast.stop()])], // Ticker.stop never rejects
        ['local rooms', () => localRooms.close()],
        ["this node's shares", () => store.removeNode()],
      ]);
    },
  };
}
