import { z } from 'zod';
import { Role } from './auth.ts';
import { EpochMs, Id, PlainText } from './common.ts';

/** Longest chat message, in UTF-16 code units after control characters are stripped. */
export const CHAT_MAX_LENGTH = 200;

/** A chat message id: the Redis stream entry id of the room's history ("<ms>-<seq>"), so ids sort by send order. */
export const ChatMessageId = z.string().regex(/^\d{1,15}-\d{1,10}$/, 'must be a message id like 1700000000000-0');
export type ChatMessageId = z.infer<typeof ChatMessageId>;

/** One chat message (弹幕) as every client sees it. */
export const ChatMessage = z.object({
  id: ChatMessageId,
  roomId: Id,
  userId: Id,
  name: z.string(),
  role: Role,
  text: z.string(),
  /** Server time the message was accepted (ms epoch; the id's time part). */
  at: EpochMs,
  /**
   * True only in the copy room staff get (agency consoles, the room's creator) of a message a shadow keyword caught:
   * nobody but its sender and staff sees it, and the sender's copy is not marked. Absent otherwise.
   */
  shadowed: z.literal(true).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** chat:send payload. Control characters are stripped before the length check. */
export const ChatSendInput = z.strictObject({ roomId: Id, text: PlainText(CHAT_MAX_LENGTH) });
export type ChatSendInput = z.infer<typeof ChatSendInput>;

/**
 * Pushed once per room tick (about 100 ms) with every message accepted since the last one. A sender whose message a
 * shadow keyword caught gets it in a batch of its own; so do room staff, with the message marked `shadowed`; viewers
 * never do.
 */
export const ChatBatch = z.object({ roomId: Id, messages: z.array(ChatMessage) });
export type ChatBatch = z.infer<typeof ChatBatch>;

/**
 * Pushed when moderators delete messages: remove them from the screen (they are already gone from history). A ban
 * sends one with every message of the banned user still in the room's history (`mod:ban`, `mod:agencyBan`).
 */
export const ChatDeleted = z.object({ roomId: Id, ids: z.array(ChatMessageId) });
export type ChatDeleted = z.infer<typeof ChatDeleted>;

/** A room's chat rules as clients need them (slow mode changes are pushed with this shape). */
export const ChatSettings = z.object({
  roomId: Id,
  /** Minimum seconds between two messages of one viewer; 0: off. Room staff are exempt. */
  slowModeS: z.number().int().min(0),
  maxLength: z.number().int().positive(),
});
export type ChatSettings = z.infer<typeof ChatSettings>;

/** Pushed to a user's own connections when they are muted (`until`) or unmuted (`null`) in a room. */
export const ChatMuted = z.object({ roomId: Id, until: EpochMs.nullable() });
export type ChatMuted = z.infer<typeof ChatMuted>;

/** like:tap payload: taps since the client's last send (clients batch rapid taps). */
export const LikeTapInput = z.strictObject({ roomId: Id, count: z.number().int().min(1).max(50) });
export type LikeTapInput = z.infer<typeof LikeTapInput>;

/** like:tap ack: how many taps were counted (the rest exceeded the per-connection tap rate). */
export const LikeTapResult = z.object({ accepted: z.number().int().min(0) });

/** Viewer and like counts, pushed at most once per stats tick and only when they changed. */
export const RoomStats = z.object({
  roomId: Id,
  /** Distinct users connected to the room through any live node (a user with several connections counts once). */
  viewers: z.number().int().min(0),
  likes: z.number().int().min(0),
});
export type RoomStats = z.infer<typeof RoomStats>;

/** Pushed to a user's connection when a moderator removes it from a room (ban); it is no longer in the room. */
export const RoomKicked = z.object({ roomId: Id, reason: z.string() });
export type RoomKicked = z.infer<typeof RoomKicked>;
