/**
 * Redis keys owned by the moderation domain. Chat's send script reads (never writes) the room and agency ones, so
 * its verdict on a message and the moderation state it is judged by are one atomic step.
 */
export const moderationKeys = (p: string) => ({
  /** Set of user ids banned from the room. */
  roomBans: (roomId: string) => `${p}mod:bans:room:${roomId}`,
  /** Set of user ids banned from every room of the agency. */
  agencyBans: (agencyId: string) => `${p}mod:bans:agency:${agencyId}`,
  /** Zset: user id -> muted-until (ms). */
  mutes: (roomId: string) => `${p}mod:mutes:${roomId}`,
  /** Hash of room chat settings: slowModeS. */
  settings: (roomId: string) => `${p}mod:room:${roomId}`,
  /** Hash: normalised word -> block | shadow. */
  roomKeywords: (roomId: string) => `${p}mod:kw:room:${roomId}`,
  agencyKeywords: (agencyId: string) => `${p}mod:kw:agency:${agencyId}`,
});
export type ModerationKeys = ReturnType<typeof moderationKeys>;
