import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, RoomSnapshot, ServerToClientEvents } from '../../server/protocol/index.ts';
import { HawkerError } from './errors.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ClientToServerEvents;
type Payload<E extends EventName> = Parameters<ClientToServerEvents[E]>[0];
type Result<E extends EventName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;

/** Events a LiveRoom emits: every server push, plus connection lifecycle. */
export type LiveRoomEvents = {
  [K in keyof ServerToClientEvents]: Parameters<ServerToClientEvents[K]>[0];
} & {
  /** A fresh snapshot replaced the state (after a reconnect the server could not replay). Re-render from it. */
  resync: RoomSnapshot;
  /** The connection dropped; the SDK is reconnecting. */
  disconnected: { reason: string };
  /** Connected again; `recovered` is true when missed pushes were replayed and no resync was needed. */
  reconnected: { recovered: boolean };
};

/** Options for {@link LiveRoom.join}. */
export interface JoinOptions {
  /** Milliseconds to wait for each acknowledgement (default 10 s). */
  timeoutMs?: number;
  /** Socket.IO transports (default websocket, falling back to polling). */
  transports?: ('websocket' | 'polling')[];
}

/**
 * A joined live room: the current snapshot, typed live events, and typed actions. Reconnection is automatic: when
 * the server can replay what was missed (connection-state recovery) nothing else happens; otherwise the room is
 * re-joined and a `resync` event carries the fresh snapshot.
 *
 * @example
 * const room = await LiveRoom.join('https://live.example.com', token, roomId);
 * room.on('chat:batch', (b) => render(b.messages));
 * await room.request('chat:send', { roomId, text: 'hi' });
 */
export class LiveRoom {
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private closed = false;

  private constructor(
    readonly socket: ClientSocket,
    readonly roomId: string,
    private current: RoomSnapshot,
    private readonly timeoutMs: number,
  ) {}

  /** Connects with `token`, joins `roomId`, and resolves with the room once the snapshot arrived. */
  static async join(url: string, token: string, roomId: string, opts: JoinOptions = {}): Promise<LiveRoom> {
    const socket: ClientSocket = io(url, { auth: { token }, transports: opts.transports ?? ['websocket', 'polling'] });
    const timeoutMs = opts.timeoutMs ?? 10_000;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err: Error & { data?: { code?: string; message?: string } }) =>
          reject(new HawkerError((err.data?.code as 'UNAUTHENTICATED') ?? 'NOT_CONNECTED', err.data?.message ?? `Cannot connect to ${url}: ${err.message}`)),
        );
      });
      const snapshot = await call(socket, 'room:join', { roomId }, timeoutMs);
      const room = new LiveRoom(socket, roomId, snapshot, timeoutMs);
      room.wire();
      return room;
    } catch (err) {
      socket.disconnect();
      throw err;
    }
  }

  /** The latest snapshot (updated by `resync`; live pushes are delivered as events, not merged here). */
  get snapshot(): RoomSnapshot {
    return this.current;
  }

  /** Server clock minus local clock at the last snapshot, in ms: `Date.now() + clockOffsetMs` is server time. */
  clockOffsetMs = 0;

  /** Subscribes to a push or lifecycle event; returns the unsubscribe function. */
  on<K extends keyof LiveRoomEvents>(event: K, handler: (payload: LiveRoomEvents[K]) => void): () => void {
    let set = this.listeners.get(event as string);
    if (!set) this.listeners.set(event as string, (set = new Set()));
    set.add(handler as (p: unknown) => void);
    return () => set.delete(handler as (p: unknown) => void);
  }

  /** Sends a client event and resolves with its acknowledged data, or rejects with a HawkerError. */
  request<E extends EventName>(event: E, payload: Payload<E>): Promise<Result<E>> {
    if (this.closed) return Promise.reject(new HawkerError('NOT_CONNECTED', 'This room was closed; join again'));
    return call(this.socket, event, payload, this.timeoutMs);
  }

  /** Leaves the room and closes the connection. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.disconnect();
    this.listeners.clear();
  }

  private emitLocal(event: string, payload: unknown): void {
    for (const h of this.listeners.get(event) ?? []) {
      try {
        h(payload);
      } catch (err) {
        console.error(`[hawker] ${event} handler threw`, err);
      }
    }
  }

  private wire(): void {
    this.clockOffsetMs = this.current.serverTime - Date.now();
    this.socket.onAny((event: string, payload: unknown) => this.emitLocal(event, payload));
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      this.emitLocal('disconnected', { reason });
    });
    // Only reconnects reach this: the first 'connect' happened before wire(). socket.recovered tells whether the
    // server replayed the missed packets (connection-state recovery) or a fresh join is needed.
    this.socket.on('connect', () => {
      if (this.closed) return;
      const recovered = this.socket.recovered;
      this.emitLocal('reconnected', { recovered });
      if (recovered) return;
      call(this.socket, 'room:join', { roomId: this.roomId }, this.timeoutMs).then(
        (snap) => {
          this.current = snap;
          this.clockOffsetMs = snap.serverTime - Date.now();
          this.emitLocal('resync', snap);
        },
        (err: HawkerError) => this.emitLocal('disconnected', { reason: `rejoin failed: ${err.message}` }),
      );
    });
  }
}

async function call<E extends EventName>(socket: ClientSocket, event: E, payload: Payload<E>, timeoutMs: number): Promise<Result<E>> {
  if (!socket.connected) throw new HawkerError('NOT_CONNECTED', 'Not connected; the SDK is reconnecting, retry shortly');
  let ack: Ack<Result<E>>;
  try {
    ack = await (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<Result<E>>> }).emitWithAck(event, payload);
  } catch {
    throw new HawkerError('TIMEOUT', `${event}: no answer within ${timeoutMs} ms; check the connection and retry`);
  }
  if (!ack.ok) throw HawkerError.fromWire(ack.error);
  return ack.data;
}
