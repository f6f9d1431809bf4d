import type { LiveRoomRef, Room } from '@hawker/protocol';

/** What the live view needs of the rooms domain. */
export interface LiveRoomSource {
  /** Rooms live now, newest first, at most `limit`. */
  liveRooms(limit: number): Promise<Room[]>;
}

/** What the live view needs of the catalog: the products on a room's list now. */
export interface RoomProductSource {
  productIds(roomId: string): Promise<string[]>;
}

/** Live rooms read per refresh (LIVE_ROOMS_SCANNED): more live rooms than this rank as not live. */
export const LIVE_ROOMS_SCANNED = 500;
/** How long one reading of the live rooms is believed (ms). */
const FRESH_MS = 1_000;

/** One reading: which rooms are live, which creators, which products sell in which live rooms. */
export interface LiveSnapshot {
  rooms: Room[];
  creators: Map<string, Room>;
  products: Map<string, LiveRoomRef[]>;
}

/**
 * What is live now, for ranking (live-now first) and storefronts: read from Redis (rooms, their product lists) at most
 * once a second per node, shared by every search in between. Search never waits on the room lifecycle for this, so a
 * product selected into a live room ranks live within a second without any hook.
 */
export class LiveView {
  private current: { at: number; snap: Promise<LiveSnapshot> } | null = null;

  constructor(
    private readonly rooms: LiveRoomSource,
    private readonly products: RoomProductSource,
    private readonly now: () => number = Date.now,
  ) {}

  snapshot(): Promise<LiveSnapshot> {
    const t = this.now();
    if (this.current && t - this.current.at < FRESH_MS) return this.current.snap;
    const snap = this.read();
    this.current = { at: t, snap };
    // A failed reading is not kept: the next call reads again.
    snap.catch(() => {
      if (this.current?.snap === snap) this.current = null;
    });
    return snap;
  }

  /** Forgets the reading (a room just went live or ended on this node). */
  invalidate(): void {
    this.current = null;
  }

  private async read(): Promise<LiveSnapshot> {
    const rooms = (await this.rooms.liveRooms(LIVE_ROOMS_SCANNED)).filter((r) => r.status === 'live');
    const lists = await Promise.all(rooms.map((r) => this.products.productIds(r.id)));
    const creators = new Map<string, Room>();
    const products = new Map<string, LiveRoomRef[]>();
    rooms.forEach((room, i) => {
      if (!creators.has(room.creatorId)) creators.set(room.creatorId, room);
      const ref: LiveRoomRef = { roomId: room.id, title: room.title, creatorId: room.creatorId, creatorName: room.creatorName };
      for (const id of lists[i] ?? []) {
        const refs = products.get(id);
        if (refs) refs.push(ref);
        else products.set(id, [ref]);
      }
    });
    return { rooms, creators, products };
  }
}
