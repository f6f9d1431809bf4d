import { expect } from 'vitest';
import type { Principal, Room, RoomSnapshot } from '@hawker/protocol';
import { applyLiveEvent, liveStateFromSnapshot, type LiveEvent, type LiveRoomState } from '../client-sdk/src/state/live.ts';
import { api, call, connect, devToken, ok, type ClientSocket } from './clients.ts';
import { startNode, waitFor, type TestNode } from './node.ts';
import { WAIT_DEFAULT_MS } from './wait.ts';
import type { Teardown } from './teardown.ts';

/** Every push the live-room reducer understands. */
export const LIVE_EVENTS: readonly LiveEvent['event'][] = [
  'chat:batch',
  'chat:deleted',
  'chat:settings',
  'chat:muted',
  'room:stats',
  'room:updated',
  'room:ended',
  'room:kicked',
];

/**
 * A client that behaves like the SDK in a live room: it keeps a LiveRoomState from the join snapshot plus every push
 * (pushes that arrive while a join is in flight are applied on top of its snapshot), and after a reconnect that
 * Socket.IO could not recover it joins again for a fresh snapshot.
 */
export class LiveClient {
  state: LiveRoomState | undefined;
  roomId: string | undefined;
  /** Every push received, in order. */
  readonly pushes: LiveEvent[] = [];
  private joining: LiveEvent[] | undefined;
  /** Joins made after a reconnect that was not recovered. */
  rejoins = 0;

  constructor(
    readonly socket: ClientSocket,
    readonly historyLimit = 100,
  ) {
    for (const event of LIVE_EVENTS) {
      (socket as unknown as { on(e: string, l: (p: unknown) => void): void }).on(event, (payload) => {
        const e = { event, payload } as LiveEvent;
        this.pushes.push(e);
        if (this.joining) this.joining.push(e);
        else if (this.state) this.state = applyLiveEvent(this.state, e);
      });
    }
    socket.on('connect', () => {
      if (socket.recovered || !this.roomId || this.state?.closed) return;
      this.rejoins += 1;
      this.join(this.roomId).catch(() => {});
    });
  }

  static async connect(url: string, token: string, opts: { reconnection?: boolean; historyLimit?: number } = {}): Promise<LiveClient> {
    return new LiveClient(await connect(url, token, { reconnection: opts.reconnection ?? false }), opts.historyLimit);
  }

  /** Joins (or re-joins) and rebuilds the state from the snapshot plus whatever arrived meanwhile. */
  async join(roomId: string): Promise<RoomSnapshot> {
    this.roomId = roomId;
    this.joining = [];
    try {
      const snap = ok(await call(this.socket, 'room:join', { roomId })) as RoomSnapshot;
      let state = liveStateFromSnapshot(snap, this.historyLimit);
      for (const e of this.joining) state = applyLiveEvent(state, e);
      this.state = state;
      return snap;
    } finally {
      this.joining = undefined;
    }
  }

  /** Waits until the state satisfies `pred` (at most WAIT_DEFAULT_MS unless told). */
  async until(what: string, pred: (s: LiveRoomState) => boolean, timeoutMs = WAIT_DEFAULT_MS): Promise<LiveRoomState> {
    return waitFor(what, () => (this.state && pred(this.state) ? this.state : undefined), timeoutMs, 20);
  }

  /** Chat texts currently on screen. */
  texts(): string[] {
    return this.state?.chat.map((m) => m.text) ?? [];
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** The parts of a state two clients of the same user must agree on (tombstones are per-client bookkeeping). */
export function comparable(s: LiveRoomState | undefined) {
  expect(s).toBeDefined();
  const { room, chat, stats, slowModeS, mutedUntil, closed } = s!;
  return { room, chat, stats, slowModeS, mutedUntil, closed };
}

/** A room on a node, its creator's token, and a way to bring people into it over real sockets. */
export interface LiveRoomCast {
  roomId: string;
  /** The creator's token. */
  creator: string;
  creatorP: Principal;
  /** Connects as `userId` (role viewer unless given) and joins the room with room:join. */
  join(userId: string, role?: 'viewer' | 'creator' | 'moderator' | 'admin'): Promise<ClientSocket>;
  /** Connects the room's creator (without Socket.IO reconnection unless asked) and joins. */
  joinCreator(opts?: { reconnection?: boolean }): Promise<ClientSocket>;
  /** Connects without joining (for "must join first" checks). */
  connectOnly(userId: string): Promise<ClientSocket>;
  /** Disconnects every socket opened through `join`, `joinCreator` and `connectOnly` (so `t.add(room)` works). */
  close(): void;
}

/**
 * Creates a room on the node at `url` as creator `creatorId` (default `creator1`; of agency `agencyId` if given, else
 * independent) and takes it live unless `live: false`. Returns its id, the creator's token and principal, and helpers
 * that connect people to it (closed together by `close()`).
 */
export async function liveRoom(
  url: string,
  opts: { agencyId?: string; live?: boolean; creatorId?: string; title?: string } = {},
): Promise<LiveRoomCast> {
  const agencyId = opts.agencyId;
  const creatorP: Principal = { userId: opts.creatorId ?? 'creator1', name: 'Creator', role: 'creator', ...(agencyId ? { agencyId } : {}) };
  const creator = await devToken(url, creatorP);
  const created = await api<Room>(url, 'POST', '/api/rooms', creator, { title: opts.title ?? 'Live now' });
  if (created.status !== 201) throw new Error(`room create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const roomId = created.body.id;
  if (opts.live !== false) {
    const live = await api<Room>(url, 'POST', `/api/rooms/${roomId}/live`, creator);
    if (live.status !== 200) throw new Error(`go live failed: ${live.status}`);
  }
  const sockets: ClientSocket[] = [];
  const open = async (token: string, o?: { reconnection?: boolean }) => {
    const s = await connect(url, token, o);
    sockets.push(s);
    return s;
  };
  const joinWith = async (token: string, o?: { reconnection?: boolean }) => {
    const s = await open(token, o);
    ok(await call(s, 'room:join', { roomId }));
    return s;
  };
  return {
    roomId,
    creator,
    creatorP,
    join: async (userId, role = 'viewer') => joinWith(await devToken(url, { userId, name: userId, role })),
    joinCreator: (o) => joinWith(creator, o),
    connectOnly: async (userId) => open(await devToken(url, { userId, name: userId, role: 'viewer' })),
    close() {
      for (const s of sockets.splice(0)) s.disconnect();
    },
  };
}

/**
 * Starts a node (`env` as for `startNode`) and a live room on it, its creator in agency `ag1`; `t` closes the room's
 * sockets, then the node, after the test.
 */
export async function startLiveRoom(t: Teardown, env: Record<string, string> = {}): Promise<{ node: TestNode; room: LiveRoomCast }> {
  const node = t.add(await startNode(env));
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  return { node, room };
}

/** Mints a token for a principal given in short form. */
export function tokenFor(url: string, userId: string, role: Principal['role'] = 'viewer', agencyId?: string): Promise<string> {
  return devToken(url, { userId, name: userId, role, ...(agencyId ? { agencyId } : {}) });
}

/**
 * A live room (as `liveRoom` makes it) with its creator's client and a viewer's (`viewerId`) connected and joined;
 * `t` closes both clients after the test.
 */
export async function hostAndViewer(t: Teardown, url: string, viewerId = 'viewer') {
  const { roomId, creator } = await liveRoom(url);
  const host = t.add(await LiveClient.connect(url, creator));
  const viewer = t.add(await LiveClient.connect(url, await tokenFor(url, viewerId)));
  await host.join(roomId);
  await viewer.join(roomId);
  return { roomId, creator, host, viewer };
}
