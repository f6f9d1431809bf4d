import type { z } from 'zod';
import type { ChatSettings, Keyword, KeywordList } from '@hawker/protocol';
import type { RequestName, RequestPayload, RequestResult } from './connection.ts';

/**
 * Keyword edits: removals first, then additions (which replace a word's mode).
 *
 * @example
 * const edit: KeywordEdit = { add: [{ word: 'spam', mode: 'block' }], remove: ['old word'] };
 */
export interface KeywordEdit {
  add?: z.input<typeof Keyword>[];
  remove?: string[];
}

/** Anything that can send protocol requests (a LiveRoom, an AgencyConsole). */
interface Requester {
  request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<RequestResult<E>>;
}

/**
 * Moderation of one room: what its creator, its agency's owner and moderators, and admins may do. Get one from
 * {@link LiveRoom.moderation} (your own room) or {@link AgencyConsole.moderation} (any room of the agency). Refusals
 * are HawkerErrors (`FORBIDDEN` for anyone else).
 *
 * @example
 * await room.moderation.deleteMessage(message.id);
 * await agency.moderation(roomId).mute(userId, 600, 'Spam');
 */
export class RoomModeration {
  constructor(
    private readonly via: Requester,
    readonly roomId: string,
  ) {}

  /**
   * Removes a message for everyone (`chat:deleted`) and from the room's history.
   *
   * @example
   * await mod.deleteMessage('1700000000000-0');
   */
  deleteMessage(messageId: string): Promise<RequestResult<'mod:delete'>> {
    return this.via.request('mod:delete', { roomId: this.roomId, messageId });
  }

  /**
   * Stops a user from chatting in this room for `durationS` seconds (10 s to 7 days); they are told (`chat:muted`).
   *
   * @example
   * const { until } = await mod.mute(userId, 10 * 60, 'Spam links');
   */
  mute(userId: string, durationS: number, reason?: string): Promise<RequestResult<'mod:mute'>> {
    return this.via.request('mod:mute', { roomId: this.roomId, userId, durationS, ...(reason ? { reason } : {}) });
  }

  /**
   * Lifts a mute.
   *
   * @example
   * await mod.unmute(userId);
   */
  unmute(userId: string): Promise<RequestResult<'mod:unmute'>> {
    return this.via.request('mod:unmute', { roomId: this.roomId, userId });
  }

  /**
   * Removes a user from this room now and refuses their joins until unbanned.
   *
   * @example
   * await mod.ban(userId, 'Harassment');
   */
  ban(userId: string, reason?: string): Promise<RequestResult<'mod:ban'>> {
    return this.via.request('mod:ban', { roomId: this.roomId, userId, ...(reason ? { reason } : {}) });
  }

  /**
   * Lifts a ban.
   *
   * @example
   * await mod.unban(userId);
   */
  unban(userId: string): Promise<RequestResult<'mod:unban'>> {
    return this.via.request('mod:unban', { roomId: this.roomId, userId });
  }

  /**
   * Minimum seconds between two messages of one viewer (0 turns slow mode off); everyone gets `chat:settings`.
   *
   * @example
   * await mod.slowMode(5);
   */
  slowMode(seconds: number): Promise<ChatSettings> {
    return this.via.request('mod:slowMode', { roomId: this.roomId, seconds });
  }

  /**
   * Edits this room's keyword list (`block` refuses messages, `shadow` shows them to their sender only); resolves with
   * the whole list.
   *
   * @example
   * await mod.keywords({ add: [{ word: 'cheap followers', mode: 'block' }] });
   */
  keywords(edit: KeywordEdit): Promise<KeywordList> {
    return this.via.request('mod:roomKeywords', { roomId: this.roomId, add: edit.add ?? [], remove: edit.remove ?? [] });
  }
}
