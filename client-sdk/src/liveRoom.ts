import type { Room, RoomSnapshot } from '../../server/protocol/index.ts';
import { HawkerApi } from './api.ts';
import { openSocket, request, Session, type ClientSocket, type ConnectOptions, type LifecycleEvents, type ServerPushes } from './connection.ts';

/**
 * Events a LiveRoom emits: every server push of the protocol (typed by its schema), plus connection lifecycle.
 *
 * @example
 * room.on('room:updated', ({ room }) => setStatus(room.status));
 * room.on('closed', ({ reason }) => showBanner(reason));
 */
export type LiveRoomEvents = ServerPushes &
  LifecycleEvents & {
    /** A fresh snapshot replaced the state after a reconnect: re-render from it. */
    resync: RoomSnapshot;
  };

/** Options for {@link LiveRoom.join}. */
export type JoinOptions = ConnectOptions;

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
export class LiveRoom extends Session<LiveRoomEvents> {
  /** REST client with the same server and token (catalog, sales, analytics, room lifecycle). */
  readonly api: HawkerApi;
  private current: RoomSnapshot;
  private offsetMs: number;

  private constructor(
    socket: ClientSocket,
    readonly roomId: string,
    joined: Joined,
    url: string,
    token: string,
    timeoutMs: number,
  ) {
    super(socket, timeoutMs);
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
      const room = new LiveRoom(socket, roomId, joined, url, token, timeoutMs);
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
  override close(): void {
    this.shutdown('You left the room', 'CLOSED_BY_CLIENT');
  }

  protected override onPush(event: keyof ServerPushes, payload: unknown): void {
    if (event === 'room:updated') {
      const { room } = payload as ServerPushes['room:updated'];
      if (room.id === this.roomId) this.current = { ...this.current, room };
    }
    if (event === 'room:ended') {
      const { roomId, reason } = payload as ServerPushes['room:ended'];
      // Subscribers get the push itself first (forwarded after this), then `closed`.
      if (roomId === this.roomId) queueMicrotask(() => this.shutdown(reason, 'ROOM_ENDED'));
    }
  }

  protected override async resubscribe(): Promise<() => void> {
    const { snapshot, offsetMs } = await joinRoom(this.socket, this.roomId, this.timeoutMs);
    return () => {
      this.current = snapshot;
      this.offsetMs = offsetMs;
      this.events.emit('resync', snapshot);
    };
  }
}

interface Joined {
  snapshot: RoomSnapshot;
  offsetMs: number;
}

/** room:join, with the clock offset estimated at the midpoint of the round trip. */
async function joinRoom(socket: ClientSocket, roomId: string, timeoutMs: number): Promise<Joined> {
  const sent = Date.now();
  const snapshot = await request(socket, 'room:join', { roomId }, timeoutMs);
  const received = Date.now();
  return { snapshot, offsetMs: snapshot.serverTime - Math.round((sent + received) / 2) };
}
