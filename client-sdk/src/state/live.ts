/**
 * The live part of a room as a client holds it (chat, likes, viewers, settings), and the one reducer that applies
 * the server's pushes to it. Pure, so the SDK, the pages and tests share it and it is unit-tested without a server.
 * (Moved out of the wire contract: a reducer is client state, not protocol.)
 */
import {
  compareMessageIds,
  type ChatBatch,
  type ChatDeleted,
  type ChatMessage,
  type ChatMuted,
  type ChatSettings,
  type Room,
  type RoomKicked,
  type RoomSnapshot,
  type RoomStats,
} from '@hawker/protocol';

/**
 * A client's view of a live room, built from the join snapshot and kept current by applying pushes with
 * {@link applyLiveEvent}. The SDK and the tests use the same reducer, so "after a reconnect the state equals a fresh
 * join's" is checked against what clients actually do.
 */
export interface LiveRoomState {
  room: Room;
  /** Visible messages, oldest first, at most `historyLimit`. */
  chat: ChatMessage[];
  stats: { viewers: number; likes: number };
  slowModeS: number;
  mutedUntil: number | null;
  /** Set when the room ended or this user was removed from it. */
  closed: string | null;
  /** Ids deleted recently: a batch that was already in flight when the delete arrived must not resurrect them. */
  tombstones: string[];
  historyLimit: number;
}

/** Builds the state a fresh join gives. `historyLimit` is the server's CHAT_HISTORY (the snapshot never exceeds it). */
export function liveStateFromSnapshot(s: RoomSnapshot, historyLimit: number): LiveRoomState {
  return {
    room: s.room,
    chat: [...s.chat].sort((a, b) => compareMessageIds(a.id, b.id)).slice(-historyLimit),
    stats: { viewers: s.stats.viewers, likes: s.stats.likes },
    slowModeS: s.chatSettings.slowModeS,
    mutedUntil: s.mutedUntil,
    closed: s.room.status === 'ended' ? (s.room.endReason ?? 'ended') : null,
    tombstones: [],
    historyLimit,
  };
}

const TOMBSTONES_KEPT = 500;

/** The pushes {@link applyLiveEvent} understands. */
export type LiveEvent =
  | { event: 'chat:batch'; payload: ChatBatch }
  | { event: 'chat:deleted'; payload: ChatDeleted }
  | { event: 'chat:settings'; payload: ChatSettings }
  | { event: 'chat:muted'; payload: ChatMuted }
  | { event: 'room:stats'; payload: RoomStats }
  | { event: 'room:updated'; payload: { room: Room } }
  | { event: 'room:ended'; payload: { roomId: string; reason: string } }
  | { event: 'room:kicked'; payload: RoomKicked };

/**
 * Applies one server push to a room state (returns a new state; pushes for other rooms are ignored). Idempotent and
 * order-tolerant where the network can reorder: batches are merged by id (a message never appears twice), and a
 * delete that overtakes its message's batch leaves a tombstone.
 */
export function applyLiveEvent(state: LiveRoomState, e: LiveEvent): LiveRoomState {
  const roomId = 'room' in e.payload ? e.payload.room.id : e.payload.roomId;
  if (roomId !== state.room.id) return state;
  switch (e.event) {
    case 'chat:batch': {
      const known = new Set([...state.chat.map((m) => m.id), ...state.tombstones]);
      const fresh = e.payload.messages.filter((m) => !known.has(m.id));
      if (fresh.length === 0) return state;
      const chat = [...state.chat, ...fresh].sort((a, b) => compareMessageIds(a.id, b.id)).slice(-state.historyLimit);
      return { ...state, chat };
    }
    case 'chat:deleted': {
      const gone = new Set(e.payload.ids);
      return {
        ...state,
        chat: state.chat.filter((m) => !gone.has(m.id)),
        tombstones: [...state.tombstones, ...e.payload.ids].slice(-TOMBSTONES_KEPT),
      };
    }
    case 'chat:settings':
      return { ...state, slowModeS: e.payload.slowModeS };
    case 'chat:muted':
      return { ...state, mutedUntil: e.payload.until };
    case 'room:stats':
      return { ...state, stats: { viewers: e.payload.viewers, likes: e.payload.likes } };
    case 'room:updated':
      return { ...state, room: e.payload.room };
    case 'room:ended':
      return { ...state, closed: e.payload.reason };
    case 'room:kicked':
      return { ...state, closed: e.payload.reason };
  }
}
