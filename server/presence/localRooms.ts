import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import type { Room } from '@hawker/protocol';

/** Something that does per-room work on each tick: chat flushes its batch, presence writes its share and likes. */
export interface TickParticipant {
  readonly name: string;
  /**
   * Runs once per tick while the room has local participants, and once more after the last one left (a final flush).
   * `statsTick` is true every STATS_TICK_MS and on that final tick.
   */
  tick(room: LocalRoom, statsTick: boolean): Promise<void>;
  /** The room's local state is going away (room ended, or emptied after its final tick, or node closing). */
  dispose?(roomId: string): void;
}

/** A room as one node sees it: who is connected here, and the room's one timer on this node. */
export class LocalRoom {
  /** userId -> ids of this user's sockets in the room on this node. */
  readonly users = new Map<string, Set<string>>();
  timer: NodeJS.Timeout | undefined;
  inflight: Promise<void> | undefined;
  ticks = 0;
  closed = false;
  /**
   * Users who entered (first socket here) or left (last socket here) since presence last wrote this node's share of
   * the room to Redis; presence takes them, and puts them back if the write fails.
   */
  readonly changed = new Set<string>();

  constructor(public room: Room) {}

  /** Distinct users connected to the room through this node. */
  get distinctUsers(): number {
    return this.users.size;
  }
}

/**
 * The rooms that have participants on this node, each with exactly one timer (ROOM_TICK_MS) that drives every
 * participant's per-room work. Big rooms are the normal case: work is per room per tick, never per message, tap or
 * viewer. A room's timer starts with its first local participant and stops after the tick that follows its last
 * one's departure, when the room ends, or when the node closes; a tick never overlaps the previous one.
 */
export class LocalRooms {
  private readonly rooms = new Map<string, LocalRoom>();
  private readonly participants: TickParticipant[] = [];
  private readonly statsEvery: number;
  private closed = false;

  constructor(
    private readonly opts: { tickMs: number; statsTickMs: number },
    private readonly log: Logger,
  ) {
    this.statsEvery = Math.max(1, Math.round(opts.statsTickMs / opts.tickMs));
  }

  addParticipant(p: TickParticipant): void {
    this.participants.push(p);
  }

  get(roomId: string): LocalRoom | undefined {
    return this.rooms.get(roomId);
  }

  /** Room ids with local state (for graceful shutdown). */
  ids(): string[] {
    return [...this.rooms.keys()];
  }

  /** Throws what `enter` would throw on a closing node: a join is refused before anything is done for it. */
  assertOpen(): void {
    if (this.closed) throw AppError.unavailable('This server is shutting down; reconnect');
  }

  /** A socket of `userId` is now in `room` on this node. */
  enter(room: Room, userId: string, socketId: string): LocalRoom {
    this.assertOpen();
    let local = this.rooms.get(room.id);
    if (!local) {
      local = new LocalRoom(room);
      this.rooms.set(room.id, local);
      const started = local;
      local.timer = setInterval(() => this.tick(started), this.opts.tickMs);
      local.timer.unref();
    }
    local.room = room;
    let sockets = local.users.get(userId);
    if (!sockets) {
      local.users.set(userId, (sockets = new Set()));
      local.changed.add(userId);
    }
    sockets.add(socketId);
    return local;
  }

  /** The socket left (leave, disconnect, kick). The room's timer runs one more tick to flush, then stops. */
  exit(roomId: string, userId: string, socketId: string): void {
    const local = this.rooms.get(roomId);
    const sockets = local?.users.get(userId);
    if (!local || !sockets) return;
    sockets.delete(socketId);
    if (sockets.size === 0) {
      local.users.delete(userId);
      local.changed.add(userId);
    }
  }

  /** The room ended: stop now, nothing left to flush to. */
  end(roomId: string): void {
    const local = this.rooms.get(roomId);
    if (local) this.dispose(local);
  }

  /** Stops every timer (after in-flight ticks finish) and drops all local state. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.rooms.values()];
    for (const local of all) clearInterval(local.timer);
    await Promise.all(all.map((l) => l.inflight));
    for (const local of all) this.dispose(local);
  }

  private tick(local: LocalRoom): void {
    if (local.inflight || local.closed) return; // the previous tick is still running: skip rather than pile up
    local.ticks += 1;
    const emptied = local.users.size === 0;
    const statsTick = emptied || local.ticks % this.statsEvery === 0;
    let failed = false;
    local.inflight = (async () => {
      for (const p of this.participants) {
        // One participant's failure (e.g. Redis briefly down) must not starve the others; the next tick retries.
        await p.tick(local, statsTick).catch((err: Error) => {
          failed = true;
          this.log.warn({ err, participant: p.name, roomId: local.room.id }, 'room tick failed');
        });
      }
    })().finally(() => {
      local.inflight = undefined;
      // Still empty after a successful final flush (nobody re-entered meanwhile): this room's work here is done.
      if (emptied && !failed && local.users.size === 0) this.dispose(local);
    });
  }

  private dispose(local: LocalRoom): void {
    if (local.closed) return;
    local.closed = true;
    clearInterval(local.timer);
    if (this.rooms.get(local.room.id) === local) this.rooms.delete(local.room.id);
    for (const p of this.participants) p.dispose?.(local.room.id);
  }
}
