import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import { on } from '../edge/socket.ts';
import type { ModerationKeys } from '../moderation/keys.ts';
import type { LocalRooms } from '../presence/index.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { SnapshotProviders } from '../rooms/snapshot.ts';
import { consoleChannel, roomChannel, userChannel } from '../kernel/channels.ts';
import { ChatStore } from './store.ts';
import { ChatBudget, underBudget, type PendingMessage } from './budget.ts';

/** How long an ended room's chat history stays readable. */
const ENDED_ROOM_TTL_S = 7 * 24 * 3600;

/**
 * The chat domain (弹幕). `chat:send` is judged and recorded in Redis at once (store.send); accepted messages wait in
 * this node's per-room buffer and go out as one `chat:batch` per room tick through the adapter, so a viewer's cost
 * is one packet per tick per node that had chat, whatever the chat rate. A message a shadow keyword caught goes to
 * its sender's connections only. Very large rooms have a per-viewer delivery budget (budget.ts, CHAT_VIEWER_BUDGET_PER_S).
 */
export function createChat(
  ctx: HawkerContext,
  localRooms: LocalRooms,
  modKeys: ModerationKeys,
): Domain & { store: ChatStore; hook: RoomHook; snapshot: Pick<SnapshotProviders, 'chat'>; onConnection(socket: HawkerSocket): void } {
  const { config, io } = ctx;
  const log = ctx.log.child({ module: 'chat' });
  const store = new ChatStore(ctx.redis, config.REDIS_KEY_PREFIX, modKeys, {
    history: config.CHAT_HISTORY,
    rateBurst: config.CHAT_RATE_BURST,
    ratePerMin: config.CHAT_RATE_PER_MIN,
  });
  const buffers = new Map<string, PendingMessage[]>();
  const budget = new ChatBudget({ perSec: config.CHAT_VIEWER_BUDGET_PER_S, minViewers: config.CHAT_BUDGET_MIN_VIEWERS });
  const channels = io.of('/').adapter.rooms;

  localRooms.addParticipant({
    name: 'chat',
    async tick(local) {
      const roomId = local.room.id;
      const pending = buffers.get(roomId);
      if (!pending?.length) return;
      buffers.delete(roomId);
      let alive: Set<string>;
      try {
        // A moderator may have deleted a message (on any node) since it was accepted: those stay out. Messages that
        // newer chat trimmed from history meanwhile still go (the buffer already keeps at most CHAT_HISTORY).
        alive = await store.notDeleted(
          roomId,
          pending.map((p) => p.message.id),
        );
      } catch (err) {
        buffers.set(roomId, [...pending, ...(buffers.get(roomId) ?? [])].slice(-config.CHAT_HISTORY));
        throw err;
      }
      const kept = pending.filter((p) => alive.has(p.message.id));
      if (kept.length === 0) return;
      const channel = roomChannel(roomId);
      if (!budget.applies(channels.get(channel)?.size ?? 0)) {
        io.to(channel).emit('chat:batch', { roomId, messages: kept.map((p) => p.message) });
        return;
      }
      // A very large room: the batch every viewer gets carries the staff's messages and at most the budget of the
      // others (the same sample for everyone: still one packet per tick, encoded once). Sampled-out messages go to
      // their senders only: local (the sending connection is on this node, and the message was already in its ack),
      // so a chat flood does not turn into a stream entry per sender.
      const { room, ownOnly } = underBudget(kept, budget.take(roomId, kept.filter((p) => !p.always).length));
      if (room.length > 0) io.to(channel).emit('chat:batch', { roomId, messages: room });
      for (const [userId, messages] of ownOnly) io.local.to(userChannel(userId)).emit('chat:batch', { roomId, messages });
    },
    dispose: (roomId) => {
      buffers.delete(roomId);
      budget.drop(roomId);
    },
  });

  const hook: RoomHook = {
    name: 'chat',
    priority: 700,
    async onEnded(roomId) {
      buffers.delete(roomId);
      budget.drop(roomId);
      await store.expire(roomId, ENDED_ROOM_TTL_S);
    },
  };

  return {
    name: 'chat',
    store,
    hook,
    // Staff (its creator, the agency's owner and moderators, admins) see shadowed messages, marked.
    snapshot: { chat: (room, { principal }) => store.recent(room.id, principal.userId, policy.canModerateRoom(principal, room)) },
    onConnection(socket) {
      on(socket, 'chat:send', log, async ({ roomId, text }) => {
        const local = localRooms.get(roomId);
        if (!socket.data.rooms.has(roomId) || !local) throw AppError.forbidden('Join the room before chatting');
        const p = socket.data.principal;
        const staff = policy.canModerateRoom(p, local.room);
        const { message, shadowed } = await store.send(p, local.room, text, staff);
        if (shadowed) {
          // Every connection of the sender (their history shows it too), unmarked; room staff (the agency's consoles,
          // the creator) marked, so moderators see what the filter caught; no viewer. Rare, so not batched.
          io.to(userChannel(p.userId)).emit('chat:batch', { roomId, messages: [message] });
          const staff = [userChannel(local.room.creatorId), ...(local.room.agencyId ? [consoleChannel(local.room.agencyId)] : [])];
          io.to(staff)
            .except(userChannel(p.userId))
            .emit('chat:batch', { roomId, messages: [{ ...message, shadowed: true }] });
        } else if (local.closed) {
          // The room's local state went away while the message was being judged (its last local socket left): no
          // tick will flush this buffer, so the message goes out on its own.
          io.to(roomChannel(roomId)).emit('chat:batch', { roomId, messages: [message] });
        } else {
          const buffer = buffers.get(roomId) ?? [];
          buffer.push({ message, always: staff });
          // More than CHAT_HISTORY in one tick: the older ones are already trimmed from history and would be dropped.
          buffers.set(roomId, buffer.length > config.CHAT_HISTORY ? buffer.slice(-config.CHAT_HISTORY) : buffer);
        }
        return message;
      });
    },
    async close() {
      buffers.clear();
    },
  };
}
