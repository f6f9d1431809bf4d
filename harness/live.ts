import { expect } from 'vitest';
import { type Principal, type Room, type RoomSnapshot } from '@hawker/protocol';
import { applyLiveEvent, liveStateFromSnapshot, type LiveEvent, type LiveRoomState } from '../client-sdk/src/state/live.ts';
import { api, call, connect, devToken, ok, type ClientSocket } from './clients.ts';
import { waitFor } from './node.ts';
import type { Teardown } from './teardown.ts';

/** Every push the live-room reducer understands. */
export const LIVE_EVENTS: readonly LiveEvent['event'][] = ['chat:batch', 'chat:deleted', 'chat:settings', 'chat:muted', 'room:stats', 'room:updated', 'room:ended', 'room:kicked'];

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

  /** Waits until the state satisfies `pred`. */
  async until(what: string, pred: (s: LiveRoomState) => boolean, timeoutMs = 10_000): Promise<LiveRoomState> {
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

/** A cast for one room: tokens for every role, and the room created (and live unless `live: false`). */
export async function liveRoom(url: string, opts: { agencyId?: string; live?: boolean; creatorId?: string } = {}) {
  const agencyId = opts.agencyId;
  const creatorP: Principal = { userId: opts.creatorId ?? 'creator1', name: 'Creator', role: 'creator', ...(agencyId ? { agencyId } : {}) };
  const creator = await devToken(url, creatorP);
  const created = await api<Room>(url, 'POST', '/api/rooms', creator, { title: 'Live now' });
  if (created.status !== 201) throw new Error(`room create failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (opts.live !== false) {
    const live = await api<Room>(url, 'POST', `/api/rooms/${created.body.id}/live`, creator);
    if (live.status !== 200) throw new Error(`go live failed: ${live.status}`);
  }
  return { roomId: created.body.id, creator, creatorP };
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
