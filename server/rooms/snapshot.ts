import type { Principal, Room, RoomSnapshot } from '@hawker/protocol';

/** The slots of the join snapshot that features fill; the rooms domain fills `room`, `serverTime` and `you` itself. */
export type SnapshotSlots = Omit<RoomSnapshot, 'room' | 'serverTime' | 'you'>;

/**
 * Who a snapshot is read for. `observer`: someone reading the room without joining it (the agency console), who must
 * not be counted.
 */
export interface SnapshotReader {
  readonly principal: Principal;
  readonly observer: boolean;
}

/** Reads one slot of the snapshot of `room` for `reader`. */
export type SlotProvider<K extends keyof SnapshotSlots> = (room: Room, reader: SnapshotReader) => Promise<SnapshotSlots[K]>;

/**
 * One provider per slot, every slot named: a slot added to RoomSnapshot (protocol/src/snapshot.ts) without a provider is
 * a type error where the node gives them (server/domains.ts). Each domain exports its providers as a `Pick` of this.
 */
export type SnapshotProviders = { readonly [K in keyof SnapshotSlots]: SlotProvider<K> };

export type SnapshotBuilder = (room: Room, reader: SnapshotReader) => Promise<RoomSnapshot>;

/**
 * The one builder of the join snapshot (room:join, and the agency console's view of a live room): every slot read in
 * parallel, then the snapshot constructed with every key of RoomSnapshot named, so a slot missing here does not
 * compile either. Keys are in the order joins have always sent them.
 */
export function snapshotBuilder(p: SnapshotProviders): SnapshotBuilder {
  return async (room, reader) => {
    const [chatSettings, mutedUntil, chat, stats, pinned, flashSale] = await Promise.all([
      p.chatSettings(room, reader),
      p.mutedUntil(room, reader),
      p.chat(room, reader),
      p.stats(room, reader),
      p.pinned(room, reader),
      p.flashSale(room, reader),
    ]);
    // serverTime once the slots are read, as close as it gets to when the client receives it (its clock offset).
    return {
      room,
      serverTime: Date.now(),
      you: reader.principal,
      chatSettings,
      mutedUntil,
      chat,
      stats,
      pinned,
      flashSale,
    } satisfies RoomSnapshot;
  };
}
