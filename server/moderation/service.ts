import type { ChainableCommander } from 'ioredis';
import type { HawkerContext, HawkerSocket } from '../kernel/context.ts';
import type { AgencyStore, AuditLog, AuditRecord } from '../agency/index.ts';
import { policy, type ModerationTarget } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { LuaScripts } from '../kernel/lua.ts';
import type { Logger } from '../kernel/log.ts';
import type { Principal } from '@hawker/protocol';
import { CHAT_MAX_LENGTH, type ChatSettings } from '@hawker/protocol';
import { MAX_KEYWORDS, type AgencyModerationState, type Keyword, type KeywordList, type RoomModerationState } from '@hawker/protocol';
import type { Room } from '@hawker/protocol';
import { roomChannel, userChannel } from '../kernel/channels.ts';
import type { RoomService } from '../rooms/service.ts';
import type { ModerationKeys } from './keys.ts';

/**
 * What a message deletion needs of chat: queue the message's removal on moderation's MULTI, so the removal and its
 * audit entry are one atomic step. Chat's store is given as this (server/domains.ts); moderation never imports chat,
 * which reads moderation's keys (./keys.ts) the other way.
 */
export interface ChatHistory {
  remove(multi: ChainableCommander, roomId: string, messageId: string): ChainableCommander;
  /** Ids of the user's messages still in the room's history. */
  idsOf(roomId: string, userId: string): Promise<string[]>;
}

/** Who to remove from where: one room, or every room of an agency. */
export interface KickTarget {
  userId: string;
  roomId: string | null;
  agencyId: string | null;
  reason: string;
}

/**
 * Moderation actions and state. Every action: re-reads the actor's effective principal (a moderator removed from the
 * roster loses access at once), checks it with the access policy, takes one action from the audit rate (`audit.admit`:
 * a refused action changes nothing), writes its change and its audit entry in one atomic step (MULTI or Lua), then
 * tells the affected clients. Chat enforces the state in its send script.
 */
export class ModerationService {
  private readonly lua: LuaScripts<'keywords' | 'ban' | 'mute'>;
  private readonly log: Logger;

  constructor(
    private readonly ctx: HawkerContext,
    private readonly keys: ModerationKeys,
    private readonly rooms: RoomService,
    private readonly agencies: AgencyStore,
    private readonly audit: AuditLog,
    private readonly chat: ChatHistory,
  ) {
    this.lua = new LuaScripts(ctx.redis, 'moderation', new URL('./lua/', import.meta.url), ['keywords', 'ban', 'mute']);
    this.log = ctx.log.child({ module: 'moderation' });
  }

  /** The room, once the actor is known to be allowed to moderate it. */
  async authorizeRoom(p: Principal, roomId: string): Promise<{ room: Room; actor: Principal }> {
    const [room, actor] = await Promise.all([this.rooms.store.mustGet(roomId), this.agencies.effective(p)]);
    policy.require(
      policy.canModerateRoom(actor, room),
      "Only the room's creator, its agency's owner and moderators, or an admin can moderate it",
    );
    return { room, actor };
  }

  async authorizeAgency(p: Principal, agencyId: string): Promise<Principal> {
    const actor = await this.agencies.effective(p);
    policy.require(policy.canModerateAgency(actor, agencyId), "Only the agency's owner and moderators, or an admin, can do this");
    return actor;
  }

  /** Removes a message from history and from every screen. Idempotent: an unknown or trimmed id is still broadcast. */
  async deleteMessage(p: Principal, roomId: string, messageId: string): Promise<{ removedFromHistory: boolean }> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    await this.audit.admit(actor, room.agencyId);
    const m = this.chat.remove(this.ctx.redis.multi(), roomId, messageId);
    const res = await this.exec(
      this.audit.append(m, { actor, action: 'chat.delete', roomId, agencyId: room.agencyId, details: { messageId } }),
    );
    this.ctx.io.to(roomChannel(roomId)).emit('chat:deleted', { roomId, ids: [messageId] });
    return { removedFromHistory: res[0] === 1 };
  }

  async mute(p: Principal, roomId: string, userId: string, durationS: number, reason?: string): Promise<{ until: number }> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    const max = this.ctx.config.MODERATION_MUTE_MAX_S;
    if (durationS > max) throw tooLong('MODERATION_MUTE_MAX_S', max, `A mute lasts at most ${max} s on this server`);
    await this.checkTarget(actor, userId, 'mute', room);
    const now = Date.now();
    const until = now + durationS * 1000;
    await this.audit.admit(actor, room.agencyId);
    // Expired entries are pruned on every write, so the zset stays the size of the currently muted (mute.lua), capped.
    const record: AuditRecord = {
      actor,
      action: 'user.mute',
      roomId,
      agencyId: room.agencyId,
      targetUserId: userId,
      details: { durationS, reason: reason ?? null },
    };
    const cap = this.ctx.config.MODERATION_MUTES_PER_ROOM;
    const res = (await this.lua.run(
      'mute',
      [this.keys.mutes(roomId), ...this.audit.luaKeys(record)],
      [userId, cap, until, now, ...this.audit.luaArgs(record)],
    )) as [number, number?];
    if (res[0] === -1)
      throw AppError.quotaExceeded(
        'MODERATION_MUTES_PER_ROOM',
        cap,
        `This room already has ${cap} users muted (MODERATION_MUTES_PER_ROOM); nothing was changed: unmute someone or ban instead`,
      );
    this.ctx.io.to(userChannel(userId)).emit('chat:muted', { roomId, until });
    return { until };
  }

  async unmute(p: Principal, roomId: string, userId: string): Promise<void> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    await this.audit.admit(actor, room.agencyId);
    const m = this.ctx.redis.multi().zrem(this.keys.mutes(roomId), userId);
    await this.exec(this.audit.append(m, { actor, action: 'user.unmute', roomId, agencyId: room.agencyId, targetUserId: userId }));
    this.ctx.io.to(userChannel(userId)).emit('chat:muted', { roomId, until: null });
  }

  async ban(p: Principal, roomId: string, userId: string, reason?: string): Promise<void> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    await this.checkTarget(actor, userId, 'ban', room);
    await this.audit.admit(actor, room.agencyId);
    await this.addBan(
      this.keys.roomBans(roomId),
      userId,
      { actor, action: 'user.ban', roomId, agencyId: room.agencyId, targetUserId: userId, details: { reason: reason ?? null } },
      'MODERATION_BANS_PER_ROOM',
      'This room',
    );
    await this.kick({ userId, roomId, agencyId: null, reason: reason ?? 'You were banned from this room' });
    await this.purge(roomId, userId);
  }

  async unban(p: Principal, roomId: string, userId: string): Promise<void> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    await this.audit.admit(actor, room.agencyId);
    const m = this.ctx.redis.multi().srem(this.keys.roomBans(roomId), userId);
    await this.exec(this.audit.append(m, { actor, action: 'user.unban', roomId, agencyId: room.agencyId, targetUserId: userId }));
  }

  async agencyBan(p: Principal, agencyId: string, userId: string, reason?: string): Promise<void> {
    const actor = await this.authorizeAgency(p, agencyId);
    await this.checkTarget(actor, userId, 'agencyBan', null, agencyId);
    await this.audit.admit(actor, agencyId);
    await this.addBan(
      this.keys.agencyBans(agencyId),
      userId,
      { actor, action: 'agency.ban', agencyId, targetUserId: userId, details: { reason: reason ?? null } },
      'MODERATION_BANS_PER_AGENCY',
      `Agency ${agencyId}`,
    );
    await this.kick({ userId, roomId: null, agencyId, reason: reason ?? "You were banned from this agency's rooms" });
    for (const room of await this.rooms.store.list({ agencyId, status: 'live', limit: PURGE_ROOMS })) await this.purge(room.id, userId);
  }

  /** Adds `userId` to a ban set with its audit entry (ban.lua), or QUOTA_EXCEEDED naming `limit` when the set is full. */
  private async addBan(
    key: string,
    userId: string,
    record: AuditRecord,
    limit: 'MODERATION_BANS_PER_ROOM' | 'MODERATION_BANS_PER_AGENCY',
    whose: string,
  ): Promise<void> {
    const max = this.ctx.config[limit];
    const res = (await this.lua.run('ban', [key, ...this.audit.luaKeys(record)], [userId, max, ...this.audit.luaArgs(record)])) as [
      number,
      number?,
    ];
    if (res[0] === -1)
      throw AppError.quotaExceeded(
        limit,
        max,
        `${whose} already bans ${max} users (${limit}); nothing was changed: lift bans no longer needed first`,
      );
  }

  /**
   * Deletes a banned user's messages still in the room's history, for everyone (`chat:deleted`, which every client
   * already handles). Runs after the ban is written: send.lua refuses the user from then on, so no message of theirs
   * can be accepted after this read. Their messages waiting in a node's batch are skipped by its deleted check.
   */
  private async purge(roomId: string, userId: string): Promise<void> {
    const ids = await this.chat.idsOf(roomId, userId);
    if (ids.length === 0) return;
    const m = this.ctx.redis.multi();
    for (const id of ids) this.chat.remove(m, roomId, id);
    await this.exec(m);
    this.ctx.io.to(roomChannel(roomId)).emit('chat:deleted', { roomId, ids });
  }

  async agencyUnban(p: Principal, agencyId: string, userId: string): Promise<void> {
    const actor = await this.authorizeAgency(p, agencyId);
    await this.audit.admit(actor, agencyId);
    const m = this.ctx.redis.multi().srem(this.keys.agencyBans(agencyId), userId);
    await this.exec(this.audit.append(m, { actor, action: 'agency.unban', agencyId, targetUserId: userId }));
  }

  async slowMode(p: Principal, roomId: string, seconds: number): Promise<ChatSettings> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    const max = this.ctx.config.MODERATION_SLOW_MODE_MAX_S;
    if (seconds > max) throw tooLong('MODERATION_SLOW_MODE_MAX_S', max, `Slow mode is at most ${max} s on this server`);
    await this.audit.admit(actor, room.agencyId);
    const m = this.ctx.redis.multi().hset(this.keys.settings(roomId), 'slowModeS', seconds);
    await this.exec(this.audit.append(m, { actor, action: 'room.slowMode', roomId, agencyId: room.agencyId, details: { seconds } }));
    const settings: ChatSettings = { roomId, slowModeS: seconds, maxLength: CHAT_MAX_LENGTH };
    this.ctx.io.to(roomChannel(roomId)).emit('chat:settings', settings);
    return settings;
  }

  async roomKeywords(p: Principal, roomId: string, add: Keyword[], remove: string[]): Promise<KeywordList> {
    const { room, actor } = await this.authorizeRoom(p, roomId);
    return this.editKeywords(this.keys.roomKeywords(roomId), add, remove, {
      actor,
      action: 'room.keywords',
      roomId,
      agencyId: room.agencyId,
    });
  }

  async agencyKeywords(p: Principal, agencyId: string, add: Keyword[], remove: string[]): Promise<KeywordList> {
    const actor = await this.authorizeAgency(p, agencyId);
    return this.editKeywords(this.keys.agencyKeywords(agencyId), add, remove, { actor, action: 'agency.keywords', agencyId });
  }

  /**
   * The ban sets isBanned reads, for a check made inside another atomic step (orders' reserve script): the room's,
   * and its agency's (the room's again when it has none). The creator's exemption is the caller's to apply.
   */
  banKeys(room: Pick<Room, 'id' | 'agencyId'>): { room: string; agency: string } {
    const roomKey = this.keys.roomBans(room.id);
    return { room: roomKey, agency: room.agencyId ? this.keys.agencyBans(room.agencyId) : roomKey };
  }

  /**
   * Whether `userId` is banned from `room` (directly or through its agency). A room's creator never is, in their own
   * room: an agency ban made before they joined its roster (or after they left it) does not lock them out of it.
   */
  async isBanned(room: Pick<Room, 'id' | 'agencyId' | 'creatorId'>, userId: string): Promise<boolean> {
    if (userId === room.creatorId) return false;
    // Two plain reads, auto-pipelined into one round trip: every join, order and console media request asks, and a
    // MULTI/EXEC for two reads cost a transaction object and two more commands each time (bench:soak's allocation
    // profile); no write can come between reads that need to agree.
    const [inRoom, inAgency] = await Promise.all([
      this.ctx.redis.sismember(this.keys.roomBans(room.id), userId),
      room.agencyId ? this.ctx.redis.sismember(this.keys.agencyBans(room.agencyId), userId) : 0,
    ]);
    return inRoom === 1 || inAgency === 1;
  }

  /** The room's chat rules (a join snapshot slot). */
  async chatSettings(roomId: string): Promise<ChatSettings> {
    const slow = await this.ctx.redis.hget(this.keys.settings(roomId), 'slowModeS');
    return { roomId, slowModeS: Number(slow ?? 0), maxLength: CHAT_MAX_LENGTH };
  }

  /** Until when `userId` is muted in the room, null if not (a join snapshot slot). */
  async mutedUntil(roomId: string, userId: string): Promise<number | null> {
    const until = await this.ctx.redis.zscore(this.keys.mutes(roomId), userId);
    return until !== null && Number(until) > Date.now() ? Number(until) : null;
  }

  async roomState(p: Principal, roomId: string): Promise<RoomModerationState> {
    await this.authorizeRoom(p, roomId);
    const k = this.keys;
    const now = Date.now();
    const [slow, keywords, bans, mutes] = await Promise.all([
      this.ctx.redis.hget(k.settings(roomId), 'slowModeS'),
      this.ctx.redis.hgetall(k.roomKeywords(roomId)),
      this.ctx.redis.smembers(k.roomBans(roomId)),
      this.ctx.redis.zrangebyscore(k.mutes(roomId), `(${now}`, '+inf', 'WITHSCORES'),
    ]);
    const muted: { userId: string; until: number }[] = [];
    for (let i = 0; i + 1 < mutes.length; i += 2) muted.push({ userId: mutes[i]!, until: Number(mutes[i + 1]) });
    return {
      roomId,
      slowModeS: Number(slow ?? 0),
      keywords: toKeywordList(keywords),
      bans: bans.sort(),
      mutes: muted,
      limits: { muteMaxS: this.ctx.config.MODERATION_MUTE_MAX_S, slowModeMaxS: this.ctx.config.MODERATION_SLOW_MODE_MAX_S },
    };
  }

  async agencyState(p: Principal, agencyId: string): Promise<AgencyModerationState> {
    await this.authorizeAgency(p, agencyId);
    const [keywords, bans] = await Promise.all([
      this.ctx.redis.hgetall(this.keys.agencyKeywords(agencyId)),
      this.ctx.redis.smembers(this.keys.agencyBans(agencyId)),
    ]);
    return { agencyId, keywords: toKeywordList(keywords), bans: bans.sort() };
  }

  /**
   * Refuses, before anything is written, a mute or ban that nobody may make, CONFLICT (policy.isShielded: the room's
   * creator in their own room; the agency's owner or a creator on its roster agency-wide), or that this actor may not,
   * FORBIDDEN (policy.canActOn: a moderator targeting the agency's owner or another moderator; its owner or an admin may).
   */
  private async checkTarget(
    actor: Principal,
    userId: string,
    action: 'mute' | 'ban' | 'agencyBan',
    room: Room | null,
    agencyId = room?.agencyId ?? null,
  ): Promise<void> {
    const roster = agencyId ? await this.agencies.memberships(agencyId, userId) : { owner: false, creator: false, moderator: false };
    const target: ModerationTarget = {
      userId,
      roomCreator: room !== null && room.creatorId === userId,
      agencyOwner: roster.owner,
      agencyCreator: roster.creator,
      agencyModerator: roster.moderator,
    };
    const verb = action === 'mute' ? 'muted' : 'banned';
    if (policy.isShielded(target, action === 'agencyBan' ? 'agency' : 'room')) {
      if (target.roomCreator) throw AppError.conflict(`The room's creator cannot be ${verb} in their own room`);
      if (target.agencyOwner) throw AppError.conflict("The agency's owner cannot be banned from its rooms");
      throw AppError.conflict(`${userId} is a creator on this agency's roster: remove them from the roster first, then ban them`);
    }
    policy.require(
      policy.canActOn(actor, target),
      target.agencyOwner
        ? `Moderators cannot mute or ban the agency's owner; an admin can`
        : "Moderators cannot mute or ban another of the agency's moderators; its owner or an admin can",
    );
  }

  /** Removes the user from the room(s) on every node: this one now, the others through the adapter. */
  async kick(target: KickTarget): Promise<void> {
    this.ctx.io.serverSideEmit('mod:kick', target);
    await this.kickLocal(target);
  }

  /** This node's part of a kick: each of the user's sockets here leaves the affected rooms and is told why. */
  async kickLocal(target: KickTarget): Promise<void> {
    const { io } = this.ctx;
    const agencyOf = new Map<string, string | null>();
    for (const socketId of io.sockets.adapter.rooms.get(userChannel(target.userId)) ?? []) {
      const socket = io.sockets.sockets.get(socketId) as HawkerSocket | undefined;
      if (!socket) continue;
      for (const roomId of [...socket.data.rooms]) {
        if (target.roomId !== null ? roomId !== target.roomId : !(await this.inAgency(roomId, target.agencyId, agencyOf))) continue;
        socket.emit('room:kicked', { roomId, reason: target.reason });
        await this.rooms.leave(socket, roomId, 'left');
      }
    }
  }

  private async inAgency(roomId: string, agencyId: string | null, cache: Map<string, string | null>): Promise<boolean> {
    if (!cache.has(roomId)) cache.set(roomId, (await this.rooms.store.get(roomId))?.agencyId ?? null);
    return agencyId !== null && cache.get(roomId) === agencyId;
  }

  /**
   * Applies an edit (removals first, then additions, which replace a word's mode) and audits only what it changed:
   * the words really added, re-moded and removed, with their counts, never the list (long values are summarised by
   * the audit log). Admitted against the audit rate first, so a refused edit changes nothing. The named words are read,
   * the diff built from them, and keywords.lua applies the edit only if they still read the same (else read again).
   */
  private async editKeywords(key: string, add: Keyword[], remove: string[], record: AuditRecord): Promise<KeywordList> {
    const target = new Map<string, string>(); // word -> mode after the edit ('' = absent)
    for (const word of remove) target.set(word, '');
    for (const k of add) target.set(k.word, k.mode);
    const words = [...target.keys()];
    await this.audit.admit(record.actor, record.agencyId);
    for (let attempt = 1; ; attempt++) {
      const before = words.length > 0 ? await this.ctx.redis.hmget(key, ...words) : [];
      const added: string[] = [];
      const changed: string[] = [];
      const removed: string[] = [];
      const triples = words.flatMap((word, i) => {
        const was = before[i] ?? '';
        const now = target.get(word)!;
        if (was === '' && now !== '') added.push(`${word}:${now}`);
        else if (was !== '' && now === '') removed.push(word);
        else if (was !== now) changed.push(`${word}:${now}`);
        return [word, was, now];
      });
      const details = {
        added: added.join(', '),
        changed: changed.join(', '),
        removed: removed.join(', '),
        addedCount: added.length,
        changedCount: changed.length,
        removedCount: removed.length,
      };
      const audited = { ...record, details };
      const args = [MAX_KEYWORDS, words.length, ...triples, ...this.audit.luaArgs(audited)];
      const [code, value] = (await this.lua.run('keywords', [key, ...this.audit.luaKeys(audited)], args)) as [number, string[] | number];
      if (code === -1)
        throw AppError.conflict(`A keyword list holds at most ${MAX_KEYWORDS} words (this edit would make ${String(value)})`);
      if (code === -2) {
        // Another edit of the same words landed between the read and the script: read again (a few times at most).
        if (attempt < 5) continue;
        throw AppError.unavailable('The keyword list is being edited by someone else right now; retry');
      }
      const flat = value as string[];
      const list: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) list[flat[i]!] = flat[i + 1]!;
      return { keywords: toKeywordList(list) };
    }
  }

  /**
   * Runs a MULTI and returns its results. The commands cannot fail on keys this domain owns (right types, no
   * arguments from clients unparsed), so an error here is a Redis fault: logged and answered UNAVAILABLE.
   */
  private async exec(m: ChainableCommander): Promise<unknown[]> {
    const res = await m.exec();
    if (!res) throw AppError.unavailable('Redis aborted the transaction; retry');
    const failed = res.find(([err]) => err);
    if (failed) {
      this.log.error({ err: failed[0] }, 'moderation transaction failed');
      throw AppError.unavailable('Could not save the moderation change; retry', failed[0]);
    }
    return res.map(([, v]) => v);
  }
}

/** Live rooms of an agency an agency ban clears the user's messages from (as many as a console follows). */
const PURGE_ROOMS = 200;

/** A chosen duration above the server's setting: a typed 400 naming the limit, before anything is written. */
function tooLong(limit: string, max: number, message: string): AppError {
  return AppError.badRequest(`${message}: choose a shorter one`, { limit, max });
}

function toKeywordList(h: Record<string, string>): KeywordList['keywords'] {
  return Object.entries(h)
    .map(([word, mode]) => ({ word, mode: mode === 'shadow' ? ('shadow' as const) : ('block' as const) }))
    .sort((a, b) => a.word.localeCompare(b.word));
}
