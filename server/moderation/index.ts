import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import type { AgencyStore, AuditLog } from '../agency/index.ts';
import type { Auth } from '../auth/index.ts';
import { AppError } from '../kernel/errors.ts';
import { on } from '../edge/socket.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { SnapshotProviders } from '../rooms/snapshot.ts';
import type { RoomService } from '../rooms/service.ts';
import type { ModerationKeys } from './keys.ts';
import { moderationRoutes } from './routes.ts';
import { ModerationService, type ChatHistory } from './service.ts';

export { moderationKeys, type ModerationKeys } from './keys.ts';
export type { ChatHistory } from './service.ts';

/** How long an ended room's moderation state (bans, mutes, keywords, slow mode) is kept. */
const ENDED_ROOM_TTL_S = 7 * 24 * 3600;

/**
 * The moderation domain: `mod:*` socket events (delete, mute, ban, agency ban, slow mode, keyword lists), the REST
 * reads for consoles, the join-time ban check, and kicks that reach the user's connections on every node.
 */
export function createModeration(
  ctx: HawkerContext,
  deps: { auth: Auth; keys: ModerationKeys; rooms: RoomService; agencies: AgencyStore; audit: AuditLog; chat: ChatHistory },
): Domain & {
  service: ModerationService;
  hook: RoomHook;
  snapshot: Pick<SnapshotProviders, 'chatSettings' | 'mutedUntil'>;
  onConnection(socket: HawkerSocket): void;
} {
  const log = ctx.log.child({ module: 'moderation' });
  const service = new ModerationService(ctx, deps.keys, deps.rooms, deps.agencies, deps.audit, deps.chat);
  ctx.app.use(moderationRoutes(service, deps.audit, deps.auth));
  ctx.io.on('mod:kick', (target) => {
    service.kickLocal(target).catch((err: Error) => log.error({ err, target }, 'kick from another node failed'));
  });

  const hook: RoomHook = {
    name: 'moderation',
    // First of all hooks: its beforeJoin refuses a banned user before any other hook does work for them.
    priority: 1000,
    async beforeJoin(room, socket) {
      if (await service.isBanned(room, socket.data.principal.userId)) throw AppError.forbidden('You are banned from this room');
    },
    async onEnded(roomId) {
      const k = deps.keys;
      const m = ctx.redis
        .multi()
        .expire(k.roomBans(roomId), ENDED_ROOM_TTL_S)
        .expire(k.mutes(roomId), ENDED_ROOM_TTL_S)
        .expire(k.settings(roomId), ENDED_ROOM_TTL_S)
        .expire(k.roomKeywords(roomId), ENDED_ROOM_TTL_S);
      await deps.audit.expireRoom(m, roomId).exec(); // the room's own audit stream (its entries stay in the agency's)
    },
  };

  return {
    name: 'moderation',
    service,
    hook,
    snapshot: {
      chatSettings: (room) => service.chatSettings(room.id),
      mutedUntil: (room, { principal }) => service.mutedUntil(room.id, principal.userId),
    },
    onConnection(socket) {
      // Mute notices and kicks reach the user through their channel, which every connection joins on connect
      // (kernel/channels.ts, joinUserChannel).
      const p = () => socket.data.principal;

      on(socket, 'mod:delete', log, ({ roomId, messageId }) => service.deleteMessage(p(), roomId, messageId));
      on(socket, 'mod:mute', log, ({ roomId, userId, durationS, reason }) => service.mute(p(), roomId, userId, durationS, reason));
      on(socket, 'mod:unmute', log, async ({ roomId, userId }) => {
        await service.unmute(p(), roomId, userId);
        return { ok: true as const };
      });
      on(socket, 'mod:ban', log, async ({ roomId, userId, reason }) => {
        await service.ban(p(), roomId, userId, reason);
        return { ok: true as const };
      });
      on(socket, 'mod:unban', log, async ({ roomId, userId }) => {
        await service.unban(p(), roomId, userId);
        return { ok: true as const };
      });
      on(socket, 'mod:agencyBan', log, async ({ agencyId, userId, reason }) => {
        await service.agencyBan(p(), agencyId, userId, reason);
        return { ok: true as const };
      });
      on(socket, 'mod:agencyUnban', log, async ({ agencyId, userId }) => {
        await service.agencyUnban(p(), agencyId, userId);
        return { ok: true as const };
      });
      on(socket, 'mod:slowMode', log, ({ roomId, seconds }) => service.slowMode(p(), roomId, seconds));
      on(socket, 'mod:roomKeywords', log, ({ roomId, add, remove }) => service.roomKeywords(p(), roomId, add, remove));
      on(socket, 'mod:agencyKeywords', log, ({ agencyId, add, remove }) => service.agencyKeywords(p(), agencyId, add, remove));
    },
    async close() {},
  };
}
