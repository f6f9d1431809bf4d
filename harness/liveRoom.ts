import type { Room } from '@hawker/protocol';
import { api, call, connect, devToken, ok, type ClientSocket } from './clients.ts';
import { startNode, type TestNode } from './node.ts';
import type { Teardown } from './teardown.ts';

/** A live room on a test node, and a way to bring people into it over real sockets. */
export interface LiveRoom {
  roomId: string;
  creatorToken: string;
  /** Connects as `userId` (role viewer unless given) and joins the room with room:join. */
  join(userId: string, role?: 'viewer' | 'creator' | 'moderator' | 'admin'): Promise<ClientSocket>;
  /** Connects the room's creator (without Socket.IO reconnection unless asked) and joins. */
  joinCreator(opts?: { reconnection?: boolean }): Promise<ClientSocket>;
  /** Connects without joining (for "must join first" checks). */
  connectOnly(userId: string): Promise<ClientSocket>;
  /** Disconnects every socket opened here. */
  close(): void;
}

/** Creates a room as creator `creatorId` (agency `ag1`), takes it live, and returns the helper. */
export async function liveRoom(node: TestNode, creatorId = 'creator1'): Promise<LiveRoom> {
  const creatorToken = await devToken(node.url, { userId: creatorId, name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const created = await api<Room>(node.url, 'POST', '/api/rooms', creatorToken, { title: 'Live test' });
  if (created.status !== 201) throw new Error(`create room: ${created.status}`);
  const roomId = created.body.id;
  const live = await api<Room>(node.url, 'POST', `/api/rooms/${roomId}/live`, creatorToken);
  if (live.status !== 200) throw new Error(`go live: ${live.status}`);
  const sockets: ClientSocket[] = [];
  const open = async (token: string, opts?: { reconnection?: boolean }) => {
    const s = await connect(node.url, token, opts);
    sockets.push(s);
    return s;
  };
  const joinWith = async (token: string, opts?: { reconnection?: boolean }) => {
    const s = await open(token, opts);
    ok(await call(s, 'room:join', { roomId }));
    return s;
  };
  return {
    roomId,
    creatorToken,
    join: async (userId, role = 'viewer') => joinWith(await devToken(node.url, { userId, name: userId, role })),
    joinCreator: (opts) => joinWith(creatorToken, opts),
    connectOnly: async (userId) => open(await devToken(node.url, { userId, name: userId, role: 'viewer' })),
    close() {
      for (const s of sockets.splice(0)) s.disconnect();
    },
  };
}

/**
 * Starts a node (`env` as for `startNode`) and a live room on it; `t` closes the room's sockets, then the node, after
 * the test.
 */
export async function startLiveRoom(t: Teardown, env: Record<string, string> = {}): Promise<{ node: TestNode; room: LiveRoom }> {
  const node = t.add(await startNode(env));
  const room = t.add(await liveRoom(node));
  return { node, room };
}
