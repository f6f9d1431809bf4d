import type { ChatMessage, Room, RoomSnapshot } from '@hawker/protocol';

/** A live room as the server describes it. */
export function room(over: Partial<Room> = {}): Room {
  return {
    id: 'r1', title: 'Live', coverUrl: null, creatorId: 'c1', creatorName: 'C', agencyId: null, status: 'live',
    scheduledAt: null, startedAt: 1, endedAt: null, endReason: null, createdAt: 1, ...over,
  };
}

/** Message `ms-seq` of room r1 (the id orders messages: by time, then sequence). */
export function msg(id: string, text = `m${id}`, roomId = 'r1'): ChatMessage {
  return { id, roomId, userId: 'u1', name: 'U', role: 'viewer', text, at: Number(id.split('-')[0]) };
}

/** A join snapshot of room r1 with `chat` as its history. */
export function snapshot(chat: ChatMessage[] = [], over: Partial<RoomSnapshot> = {}): RoomSnapshot {
  return {
    room: room(),
    serverTime: 1_000,
    you: { userId: 'u1', name: 'U', role: 'viewer' },
    chat,
    chatSettings: { roomId: 'r1', slowModeS: 0, maxLength: 200 },
    mutedUntil: null,
    stats: { roomId: 'r1', viewers: 3, likes: 7 },
    pinned: null,
    flashSale: null,
    ...over,
  };
}
