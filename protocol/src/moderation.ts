import { z } from 'zod';
import { ChatMessageId } from './chat.ts';
import { EpochMs, Id, PlainText } from './common.ts';

/** What a keyword does: `block` refuses the message; `shadow` accepts it but shows it only to its sender. */
export const KeywordMode = z.enum(['block', 'shadow']);
export type KeywordMode = z.infer<typeof KeywordMode>;

/** Most keywords one room or agency list may hold (each message is checked against both lists). */
export const MAX_KEYWORDS = 200;

/**
 * A filter word. Matching is by substring on normalised text (Unicode NFKC, lower case, runs of whitespace collapsed),
 * so full-width and case variants are caught; the word is stored normalised.
 */
export const Keyword = z.strictObject({
  word: PlainText(40).transform(normalizeForMatch).pipe(z.string().min(1, 'must not be empty')),
  mode: KeywordMode,
});
export type Keyword = z.infer<typeof Keyword>;

/** The normalisation both keywords and messages go through before matching. */
export function normalizeForMatch(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

const Reason = PlainText(200);

/** mod:delete: remove one message for everyone and from history. */
export const ModDeleteInput = z.strictObject({ roomId: Id, messageId: ChatMessageId });
export const ModDeleteResult = z.object({ removedFromHistory: z.boolean() });

/**
 * mod:mute: the user cannot chat in the room for `durationS` seconds. The server's MODERATION_MUTE_MAX_S (at most
 * 7 days) bounds it further: a longer mute is refused (BAD_REQUEST, `details.limit`), changing nothing.
 */
export const ModMuteInput = z.strictObject({
  roomId: Id,
  userId: Id,
  durationS: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600),
  reason: Reason.optional(),
});
export const ModMuteResult = z.object({ until: EpochMs });

/** mod:unmute, mod:unban */
export const ModUserInput = z.strictObject({ roomId: Id, userId: Id });

/**
 * mod:ban: removes the user from the room now (every node) and refuses their joins until unbanned; their messages
 * still in the room's history are deleted for everyone (`chat:deleted`).
 */
export const ModBanInput = z.strictObject({ roomId: Id, userId: Id, reason: Reason.optional() });

/**
 * mod:agencyBan: like mod:ban, for every room of the agency's creators, present and future (their messages are deleted
 * from the agency's live rooms).
 */
export const ModAgencyBanInput = z.strictObject({ agencyId: Id, userId: Id, reason: Reason.optional() });
/** mod:agencyUnban */
export const ModAgencyUserInput = z.strictObject({ agencyId: Id, userId: Id });

/**
 * mod:slowMode: seconds between two messages of one viewer; 0 turns it off. The server's MODERATION_SLOW_MODE_MAX_S
 * (at most 600) bounds it further: a longer one is refused (BAD_REQUEST, `details.limit`).
 */
export const ModSlowModeInput = z.strictObject({ roomId: Id, seconds: z.number().int().min(0).max(600) });

const KeywordEdits = {
  add: z.array(Keyword).max(50).default([]),
  remove: z.array(PlainText(40).transform(normalizeForMatch)).max(50).default([]),
};
/** mod:roomKeywords: edit a room's keyword list (removals first, then additions, which replace a word's mode). */
export const ModRoomKeywordsInput = z.strictObject({ roomId: Id, ...KeywordEdits });
/** mod:agencyKeywords: edit an agency's list, which applies to every room of its creators. */
export const ModAgencyKeywordsInput = z.strictObject({ agencyId: Id, ...KeywordEdits });
/** Both keyword events answer with the whole list after the edit. */
export const KeywordList = z.object({ keywords: z.array(z.object({ word: z.string(), mode: KeywordMode })) });
export type KeywordList = z.infer<typeof KeywordList>;

/** Generic "done" ack for actions with nothing else to report. */
export const Done = z.object({ ok: z.literal(true) });

/** The bounds this server puts on moderators' choices (consoles offer only what fits). */
export const ModerationLimits = z.object({
  /** Longest mute, seconds (MODERATION_MUTE_MAX_S). */
  muteMaxS: z.number().int().positive(),
  /** Longest slow-mode interval, seconds (MODERATION_SLOW_MODE_MAX_S). */
  slowModeMaxS: z.number().int().positive(),
});
export type ModerationLimits = z.infer<typeof ModerationLimits>;

/** GET /api/rooms/:roomId/moderation: the room's rules, who is banned and muted (lift with mod:unban, mod:unmute). */
export const RoomModerationState = z.object({
  roomId: Id,
  slowModeS: z.number().int().min(0),
  keywords: KeywordList.shape.keywords,
  bans: z.array(Id),
  mutes: z.array(z.object({ userId: Id, until: EpochMs })),
  limits: ModerationLimits,
});
export type RoomModerationState = z.infer<typeof RoomModerationState>;

/** GET /api/agencies/:agencyId/moderation */
export const AgencyModerationState = z.object({
  agencyId: Id,
  keywords: KeywordList.shape.keywords,
  bans: z.array(Id),
});
export type AgencyModerationState = z.infer<typeof AgencyModerationState>;
