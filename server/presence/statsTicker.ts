import type { RoomStats } from '@hawker/protocol';
import type { TickCast } from '../kernel/ticks.ts';
import type { StatsSources } from './statsSource.ts';
import type { PresenceStore } from './store.ts';

/** Rooms broadcast per tick; the rest wait for the next tick (bounds one tick's work). */
const MAX_ROOMS_PER_TICK = 1_000;

/**
 * One stats tick of the deployment-wide `room:stats` broadcast, run by every node every STATS_TICK_MS. Only the node
 * holding the broadcast claim (lua/claim.lua, renewed each tick, taken over when its holder stops) does anything: it
 * takes the rooms whose viewer count or like total moved since their last broadcast (SPOP on the changed set that
 * lua/sync.lua and lua/reap.lua fill), reads their numbers and sends each room ONE packet, to every node.
 *
 * Why this shape:
 * - To every node (kernel/ticks.ts: one Redis PUBLISH per tick for all its rooms, then each node's own sockets):
 *   every socket in the room's channel gets it, including consoles watching from a node where the room has no viewer
 *   (a node pushing only to its own sockets never reaches them) and viewers on a node that has not ticked the room
 *   yet. Not through the adapter's stream: stats are state, a recovered connection gains nothing from old ones, and
 *   they crowded the stream's recovery window; `volatile`, so a connection still busy with its last write skips one.
 * - From one node: every node broadcasting through the adapter would send each watcher the same numbers once per node.
 * - Per tick, only for rooms that changed: a room gets at most one `room:stats` per tick whatever its join, leave and tap
 *   rate and however many nodes serve it, and a quiet room gets none (the last numbers sent are kept in Redis, so a
 *   new claim holder does not repeat them either).
 *
 * Best effort, like the stock ticker: a failed read puts the rooms back for the next tick; a node dying between the SPOP
 * and the emit loses that update until the room's numbers move again (join snapshots are always current).
 */
export async function statsTick(store: PresenceStore, sources: StatsSources, ticks: TickCast, claimMs: number): Promise<void> {
  if (!(await store.claimBroadcast(claimMs))) return;
  const roomIds = await store.takeChanged(MAX_ROOMS_PER_TICK);
  if (roomIds.length === 0) return;
  let fresh: RoomStats[];
  try {
    const [viewers, likes] = await Promise.all([store.counts(roomIds), sources.likes.totals(roomIds)]);
    // A room marked changed again between the SPOP and these reads was read with that change already in: its next
    // turn would re-send the same numbers. So would a change undone within a tick. Only differing numbers go out.
    fresh = await store.unsent(roomIds.map((roomId, i) => ({ roomId, viewers: viewers[i]!, likes: likes[i]! })));
  } catch (err) {
    // Redis is failing: putting the rooms back may fail too, and then only the original error is worth reporting.
    await store.markChanged(roomIds).catch(() => {});
    throw err;
  }
  ticks.send({ event: 'room:stats', payloads: fresh });
  await store.recordSent(fresh);
}
