import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './errors.ts';
import { RoomMedia, type RoomMediaOptions } from './roomMedia.ts';
import type { PooledWorker, WorkerPool } from './workerPool.ts';

export interface MediaServiceEvents {
  /** A room's media was created: the signaling layer subscribes to its events. */
  room: [room: RoomMedia];
}

/** Node-wide media totals, for Prometheus. */
export interface MediaTotals {
  rooms: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
  /** Publishers whose connection dropped, their media held for a reconnect. */
  held: number;
  /** Consumers per worker index, across rooms. */
  consumersPerWorker: Map<number, number>;
}

/**
 * Every room's media on this node, over one worker pool. Creates a RoomMedia on first use (concurrent first uses share
 * it), forgets it when it closes, places new routers by consumers per worker across all rooms, and routes the pool's
 * `workerdied` to the rooms that had routers on the dead worker. Knows nothing of Socket.IO.
 */
export class MediaService extends EventEmitter<MediaServiceEvents> {
  private readonly rooms = new Map<string, Promise<RoomMedia>>();
  private readonly open = new Map<string, RoomMedia>();
  private capabilities: Promise<types.RtpCapabilities> | undefined;
  private closed = false;
  private readonly onWorkerDied = (index: number, routers: types.Router[]) => {
    const roomIds = new Set(routers.map((r) => r.appData.roomId).filter((id): id is string => typeof id === 'string'));
    this.log.warn({ worker: index, rooms: [...roomIds] }, 'mediasoup worker died; telling its rooms to reconnect media');
    for (const router of routers) {
      const roomId = router.appData.roomId;
      if (typeof roomId === 'string') this.open.get(roomId)?.routerLost(router);
    }
  };

  constructor(
    readonly pool: WorkerPool,
    private readonly opts: RoomMediaOptions,
    private readonly log: Logger,
  ) {
    super();
    pool.on('workerdied', this.onWorkerDied);
  }

  /**
   * What `Device.load()` needs. Every router is built from the same codec list, so their capabilities are identical:
   * read once from a throwaway router, so that loading a device allocates nothing per room (a viewer opening many
   * rooms' pages must not pin a router in each).
   */
  rtpCapabilities(): Promise<types.RtpCapabilities> {
    this.capabilities ??= this.pool.createRouter({ probe: true }).then(
      ({ router }) => {
        const caps = router.rtpCapabilities;
        router.close();
        return caps;
      },
      (err: unknown) => {
        this.capabilities = undefined;
        throw MediaError.unavailable('No media worker is available; retry shortly', err);
      },
    );
    return this.capabilities;
  }

  /** The room's media if this node has it. */
  get(roomId: string): RoomMedia | undefined {
    return this.open.get(roomId);
  }

  /** The room's media, created (origin router on the least-loaded worker) if this node has none yet. */
  async room(roomId: string): Promise<RoomMedia> {
    for (;;) {
      if (this.closed) throw MediaError.unavailable('This server is shutting down; reconnect');
      const existing = this.rooms.get(roomId);
      if (!existing) break;
      const room = await existing;
      if (!room.closed) return room;
      if (this.rooms.get(roomId) === existing) this.rooms.delete(roomId);
    }
    const creating = RoomMedia.create(roomId, this.pool, this.opts, (w) => this.loadOn(w), this.log).then(
      (room) => {
        if (this.closed) {
          room.close('shutdown');
          throw MediaError.unavailable('This server is shutting down; reconnect');
        }
        this.open.set(roomId, room);
        room.once('closed', () => {
          if (this.open.get(roomId) === room) {
            this.open.delete(roomId);
            this.rooms.delete(roomId);
          }
        });
        this.emit('room', room);
        return room;
      },
      (err: unknown) => {
        this.rooms.delete(roomId);
        throw err instanceof MediaError ? err : MediaError.unavailable('No media worker is available; retry shortly', err);
      },
    );
    this.rooms.set(roomId, creating);
    return creating;
  }

  /** Closes a room's media (room ended). No-op if this node has none. */
  closeRoom(roomId: string, reason = 'roomClosed'): void {
    this.open.get(roomId)?.close(reason);
  }

  /** Every open room's media (stats, metrics). */
  list(): RoomMedia[] {
    return [...this.open.values()];
  }

  /** Consumers on `worker` plus recv transports there that have not consumed yet, across rooms (placement, cap). */
  loadOn(worker: PooledWorker): number {
    let n = 0;
    for (const room of this.open.values()) n += room.loadOn(worker);
    return n;
  }

  consumersOn(worker: PooledWorker): number {
    let n = 0;
    for (const room of this.open.values()) n += room.consumersOn(worker);
    return n;
  }

  totals(): MediaTotals {
    const t: MediaTotals = { rooms: 0, routers: 0, transports: 0, producers: 0, consumers: 0, held: 0, consumersPerWorker: new Map() };
    for (const room of this.open.values()) {
      const c = room.counts();
      t.rooms += 1;
      t.routers += c.routers;
      t.transports += c.transports;
      t.producers += c.producers;
      t.consumers += c.consumers;
      t.held += c.held;
    }
    for (const w of this.pool.workers) t.consumersPerWorker.set(w.index, this.consumersOn(w));
    return t;
  }

  /** Closes every room's media. The pool itself belongs to the node. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.off('workerdied', this.onWorkerDied);
    for (const room of [...this.open.values()]) room.close('shutdown');
    this.removeAllListeners();
  }
}
