import type { Room, RoomSnapshot } from '../../server/protocol/index.ts';
import { HawkerApi } from './api.ts';
import { Emitter, openSocket, request, type ClientSocket, type ConnectOptions, type RequestName, type RequestPayload, type RequestResult, type ServerPushes } from './connection.ts';
import { HawkerError } from './errors.ts';

/** Connection state of a {@link LiveRoom}. */
export type LiveRoomStatus = 'connected' | 'reconnecting' | 'closed';

/**
 * Events a LiveRoom emits: every server push of the protocol (typed by its schema), plus connection lifecycle.
 *
 * @example
 * room.on('room:updated', ({ room }) => setStatus(room.status));
 * room.on('closed', ({ reason }) => showBanner(reason));
 */
export type LiveRoomEvents = ServerPushes & {
  /** A fresh snapshot replaced the state after a reconnect: re-render from it. */
  resync: RoomSnapshot;
  /** The connection dropped; the SDK is reconnecting by itself. Actions fail with NOT_CONNECTED meanwhile. */
  disconnected: { reason: string };
  /** Connected again; `recovered` is true when the server replayed the pushes missed meanwhile. A `resync` follows. */
  reconnected: { recovered: boolean };
  /** The room is over for this client: it ended, you were removed, or `close()` was called. Nothing more will come. */
  closed: { reason: string; code: 'ROOM_ENDED' | 'KICKED' | 'CLOSED_BY_CLIENT' | 'REJOIN_FAILED' };
};

/** Options for {@link LiveRoom.join}. */
export type JoinOptions = ConnectOptions;

/** Something a LiveRoom owns and closes with itself (media sessions, batching timers). */
interface Child {
  close(): void;
}

/**
 * A joined live room: the current snapshot, typed live events, and typed actions. Reconnection is automatic: after a
 * dropped connection the SDK reconnects, re-joins, emits `resync` with a fresh snapshot, and restarts the media it
 * owned. `close()` leaves, stops every timer and media session, and is idempotent.
 *
 * @example
 * const room = await LiveRoom.join('https://live.example.com', token, roomId);
 * room.on('room:ended', ({ reason }) => alert(reason));
 * room.on('resync', (snapshot) => render(snapshot));
 */
export class LiveRoom {
  /** REST client with the same server and token (catalog, sales, analytics, room lifecycle). */
  readonly api: HawkerApi;
  private readonly events = new Emitter<LiveRoomEvents>();
  private readonly children = new Set<Child>();
  private current: RoomSnapshot;
  private offsetMs: number;
  private state: LiveRoomStatus = 'connected';

  private constructor(
    /** The underlying Socket.IO socket (for advanced use; prefer the typed methods). */
    readonly socket: ClientSocket,
    readonly roomId: string,
    joined: { snapshot: RoomSnapshot; offsetMs: number },
    readonly url: string,
    token: string,
    private readonly timeoutMs: number,
  ) {
    this.current = joined.snapshot;
    this.offsetMs = joined.offsetMs;
    this.api = new HawkerApi(url, token, { timeoutMs });
  }

  /**
   * Connects with `token`, joins `roomId`, and resolves once the snapshot arrived. Rejects with a HawkerError:
   * `UNAUTHENTICATED` (bad token), `NOT_FOUND` (no such room), `CONFLICT` (the live ended), `FORBIDDEN` (banned),
   * `NOT_CONNECTED` (server unreachable).
   *
   * @example
   * const room = await LiveRoom.join('http://localhost:3000', token, 'r_abc123');
   * console.log(room.snapshot.room.title);
   */
  static async join(url: string, token: string, roomId: string, opts: JoinOptions = {}): Promise<LiveRoom> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const socket = await openSocket(url, token, opts);
    try {
      const joined = await joinRoom(socket, roomId, timeoutMs);
      const room = new LiveRoom(socket, roomId, joined, url.replace(/\/+$/, ''), token, timeoutMs);
      room.wire();
      return room;
    } catch (err) {
      socket.disconnect();
      throw err;
    }
  }

  /**
   * The latest join snapshot (replaced on `resync`). Live pushes arrive as events; they are not merged into it.
   *
   * @example
   * const { room, you } = liveRoom.snapshot;
   */
  get snapshot(): RoomSnapshot {
    return this.current;
  }

  /**
   * The room as of the last snapshot or `room:updated` push.
   *
   * @example
   * if (liveRoom.room.status === 'live') play();
   */
  get room(): Room {
    return this.current.room;
  }

  /**
   * `connected`, `reconnecting` (actions fail with NOT_CONNECTED until back), or `closed` (for good).
   *
   * @example
   * button.disabled = liveRoom.status !== 'connected';
   */
  get status(): LiveRoomStatus {
    return this.state;
  }

  /**
   * The server's clock now (ms epoch), estimated from the last snapshot: use it for countdowns so every viewer sees
   * the same second whatever their device clock says.
   *
   * @example
   * const leftMs = sale.endsAt - room.serverNow();
   */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /**
   * Subscribes to a push or lifecycle event; returns the unsubscribe function.
   *
   * @example
   * const off = room.on('room:updated', ({ room }) => console.log(room.status));
   * off();
   */
  on<K extends keyof LiveRoomEvents>(event: K, handler: (payload: LiveRoomEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  /**
   * Sends any client event of the protocol and resolves with its acknowledged data, or rejects with a HawkerError.
   * The typed methods (`chat`, `buy`...) are built on it.
   *
   * @example
   * const snap = await room.request('room:join', { roomId });
   */
  request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<RequestResult<E>> {
    if (this.state === 'closed') return Promise.reject(closedError());
    return request(this.socket, event, payload, this.timeoutMs);
  }

  /**
   * Takes this room live (its creator only). Everyone in the room, this client included, gets `room:updated`.
   *
   * @example
   * await studio.goLive();
   */
  async goLive(): Promise<Room> {
    const room = await this.api.goLive(this.roomId);
    this.current = { ...this.current, room };
    return room;
  }

  /**
   * Ends this room for everyone (creator, agency, admin). Viewers get `room:ended` with `reason`; this LiveRoom closes.
   *
   * @example
   * await studio.end('See you tomorrow at 8!');
   */
  end(reason?: string): Promise<Room> {
    return this.api.endRoom(this.roomId, reason);
  }

  /**
   * Leaves the room and closes the connection, every media session and timer it owns. Idempotent.
   *
   * @example
   * window.addEventListener('pagehide', () => room.close());
   */
  close(): void {
    this.shutdown('You left the room', 'CLOSED_BY_CLIENT');
  }

  /**
   * Registers something this room owns: it is closed with the room. Returns a function that unregisters it (for a
   * child closed on its own). Used by the media sessions and batchers; rarely needed directly.
   *
   * @example
   * const release = room.adopt({ close: () => clearInterval(timer) });
   */
  adopt(child: Child): () => void {
    if (this.state === 'closed') {
      child.close();
      return () => {};
    }
    this.children.add(child);
    return () => this.children.delete(child);
  }

  private shutdown(reason: string, code: LiveRoomEvents['closed']['code']): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const child of [...this.children]) {
      try {
        child.close();
      } catch (err) {
        console.error('[hawker] closing a room child failed', err);
      }
    }
    this.children.clear();
    this.socket.disconnect();
    this.events.emit('closed', { reason, code });
    this.events.clear();
  }

  private wire(): void {
    this.socket.onAny((event: string, payload: unknown) => {
      if (event === 'room:updated') this.current = { ...this.current, room: (payload as ServerPushes['room:updated']).room };
      this.events.emit(event as keyof ServerPushes, payload as never);
      if (event === 'room:ended' && (payload as ServerPushes['room:ended']).roomId === this.roomId) {
        this.shutdown((payload as ServerPushes['room:ended']).reason, 'ROOM_ENDED');
      }
    });
    this.socket.on('disconnect', (reason) => {
      if (this.state === 'closed') return;
      this.state = 'reconnecting';
      this.events.emit('disconnected', { reason });
      // The server cut us on purpose without ending the room or removing us (e.g. a node restarting): Socket.IO does
      // not retry those by itself.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    // Only reconnects reach this handler: the first 'connect' happened before wire(). Always re-join: the server's
    // leave-on-disconnect closed this connection's media and presence, and a join is idempotent for the rest.
    this.socket.on('connect', () => {
      if (this.state === 'closed') return;
      this.events.emit('reconnected', { recovered: this.socket.recovered });
      joinRoom(this.socket, this.roomId, this.timeoutMs).then(
        ({ snapshot, offsetMs }) => {
          if (this.state === 'closed') return;
          this.current = snapshot;
          this.offsetMs = offsetMs;
          this.state = 'connected';
          this.events.emit('resync', snapshot);
        },
        (err: HawkerError) => {
          // A refusal (ended, banned) is final; a connection problem will bring another 'connect'.
          if (err.code !== 'NOT_CONNECTED' && err.code !== 'TIMEOUT') this.shutdown(err.message, 'REJOIN_FAILED');
        },
      );
    });
  }
}

/** room:join, with the clock offset estimated at the midpoint of the round trip. */
async function joinRoom(socket: ClientSocket, roomId: string, timeoutMs: number): Promise<{ snapshot: RoomSnapshot; offsetMs: number }> {
  const sent = Date.now();
  const snapshot = await request(socket, 'room:join', { roomId }, timeoutMs);
  const received = Date.now();
  return { snapshot, offsetMs: snapshot.serverTime - Math.round((sent + received) / 2) };
}

function closedError(): HawkerError {
  return new HawkerError('CLOSED', 'This room is closed (it ended, you left, or you were removed); join again to continue');
}
