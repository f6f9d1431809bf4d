import type { RoomStats } from '@hawker/protocol';

/** The numbers of a room's stats that presence does not count itself: each comes from a feature's stats source. */
export type SourcedStat = Exclude<keyof RoomStats, 'roomId' | 'viewers'>;

/**
 * A number that goes out with presence's room stats (join snapshots and the `room:stats` broadcast) but that another
 * feature keeps: the like total is the likes domain's. Presence drives it on the room's stats tick and reads it; it never
 * imports the feature (the node gives presence its sources: server/domains.ts).
 */
export interface StatsSource {
  /**
   * Saves this node's pending change to the room's number; how much it moved because of this node (0: not at all, and
   * the room is not marked changed for it). Called once per stats tick per room with local participants. On failure
   * the change must stay pending.
   */
  flush(roomId: string): Promise<number>;
  /** The number as this node knows it right now (stored plus not yet flushed), for join snapshots. */
  total(roomId: string): Promise<number>;
  /** The stored numbers of several rooms, in order, for stats broadcasts. */
  totals(roomIds: readonly string[]): Promise<number[]>;
  /** This node has nothing more to save for the room (it ended, or its last local participant left): drop what is pending. */
  drop(roomId: string): void;
}

/** A source for every sourced number: a number added to RoomStats without a source is a type error where they are given. */
export type StatsSources = { readonly [K in SourcedStat]: StatsSource };
