import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@hawker/protocol';
import { HawkerError } from './errors.ts';

/**
 * The typed Socket.IO client socket the SDK speaks through.
 *
 * @example
 * room.socket.io.on('reconnect_attempt', (n) => console.log('attempt', n));
 */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Every client→server event name of the protocol.
 *
 * @example
 * const event: RequestName = 'chat:send';
 */
export type RequestName = keyof ClientToServerEvents;
/**
 * What `event` sends.
 *
 * @example
 * const payload: RequestPayload<'chat:send'> = { roomId, text: 'hi' };
 */
export type RequestPayload<E extends RequestName> = Parameters<ClientToServerEvents[E]>[0];
/**
 * What `event`'s acknowledgement carries on success.
 *
 * @example
 * const message: RequestResult<'chat:send'> = await room.request('chat:send', { roomId, text: 'hi' });
 */
export type RequestResult<E extends RequestName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;
/**
 * Every server→client push, by name, with its payload type.
 *
 * @example
 * function onStock(update: ServerPushes['stock:update']) { render(update.sales); }
 */
export type ServerPushes = { [K in keyof ServerToClientEvents]: Parameters<ServerToClientEvents[K]>[0] };

/**
 * Connection options shared by {@link LiveRoom.join} and {@link AgencyConsole.connect}.
 *
 * @example
 * await LiveRoom.join(url, token, roomId, { timeoutMs: 5_000, transports: ['websocket'] });
 */
export interface ConnectOptions {
  /** Milliseconds to wait for the connection and for each acknowledgement (default 10 s). */
  timeoutMs?: number;
  /** Socket.IO transports (default websocket, falling back to long-polling). */
  transports?: ('websocket' | 'polling')[];
}

/** Opens an authenticated Socket.IO connection that reconnects by itself; rejects with a typed error. */
export async function openSocket(
  url: string,
  token: string,
  opts: ConnectOptions,
  query: Record<string, string> = {},
): Promise<ClientSocket> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const socket: ClientSocket = io(url, {
    auth: { token },
    query,
    transports: opts.transports ?? ['websocket', 'polling'],
    forceNew: true,
    timeout: timeoutMs,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
        // An error with `data` came from the server's middleware (bad token...); anything else is the network.
        reject(
          err.data?.code
            ? new HawkerError(err.data.code as 'UNAUTHENTICATED', err.data.message ?? err.message)
            : new HawkerError('NOT_CONNECTED', `Cannot connect to ${url} (${err.message}); check the address and that the server runs`),
        );
      });
    });
  } catch (err) {
    socket.disconnect();
    throw err;
  }
  return socket;
}

/** Sends a client event and resolves with its acknowledged data, or rejects with a HawkerError. */
export async function request<E extends RequestName>(
  socket: ClientSocket,
  event: E,
  payload: RequestPayload<E>,
  timeoutMs: number,
): Promise<RequestResult<E>> {
  if (!socket.connected) throw new HawkerError('NOT_CONNECTED', 'Not connected; the SDK is reconnecting, retry shortly');
  let ack: Ack<RequestResult<E>>;
  try {
    ack = await (
      socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<RequestResult<E>>> }
    ).emitWithAck(event, payload);
  } catch {
    throw new HawkerError(
      socket.connected ? 'TIMEOUT' : 'NOT_CONNECTED',
      `${event}: no answer within ${timeoutMs} ms; check the connection and retry`,
    );
  }
  if (!ack.ok) throw HawkerError.fromWire(ack.error);
  return ack.data;
}

/**
 * A tiny typed event emitter. A handler that throws is reported on the console and does not stop the others, so one
 * broken UI widget cannot starve the rest of the page.
 */
export class Emitter<Events extends object> {
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const h of [...(this.handlers.get(event) ?? [])]) {
      try {
        (h as (p: Events[K]) => void)(payload);
      } catch (err) {
        console.error(`[hawker] ${String(event)} handler threw`, err);
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}

/**
 * Connection state of a {@link Session}: `reconnecting` while the SDK re-establishes it; `closed` is final.
 *
 * @example
 * if (room.status === 'reconnecting') showSpinner();
 */
export type SessionStatus = 'connected' | 'reconnecting' | 'closed';

/**
 * Why a session closed for good. `REVOKED`: the user's access was withdrawn while connected (an admin signed them out
 * everywhere: `session:revoked`; or, for an agency console, they left the agency's staff: `console:revoked`); the
 * reason says which. Signed out: get a new token before connecting again. `RATE_LIMITED`: the server cut this
 * connection for sending far past its budget (`connection:cut`, SOCKET_CUT_REFUSALS); new connections of the user are
 * refused until the cool-down the reason names is over.
 *
 * @example
 * room.on('closed', ({ code }) => { if (code === 'KICKED') showRemoved(); });
 */
export type CloseCode = 'ROOM_ENDED' | 'KICKED' | 'CLOSED_BY_CLIENT' | 'REJOIN_FAILED' | 'REVOKED' | 'RATE_LIMITED';

/**
 * Lifecycle events every session emits besides the server's pushes.
 *
 * @example
 * room.on('disconnected', () => banner.show('Reconnecting…'));
 */
export interface LifecycleEvents {
  /** The connection dropped; the SDK is reconnecting by itself. Actions fail with NOT_CONNECTED meanwhile. */
  disconnected: { reason: string };
  /** Connected again; `recovered` is true when the server replayed the pushes missed meanwhile. A `resync` follows. */
  reconnected: { recovered: boolean };
  /** Nothing more will come: the room ended, you were removed, re-joining failed, or `close()` was called. */
  closed: { reason: string; code: CloseCode };
}

/**
 * Something a session owns and closes with itself (media sessions, batching timers).
 *
 * @example
 * const timer = setInterval(poll, 5_000);
 * room.adopt({ close: () => clearInterval(timer) });
 */
export interface Child {
  close(): void;
}

/**
 * What {@link LiveRoom} and {@link AgencyConsole} share (not constructed directly: use `LiveRoom.join` or
 * `AgencyConsole.connect`): a connection that reconnects by itself and then subscribes
 * again (`resubscribe`), typed events, typed requests, and the children it owns. `close()` is idempotent.
 */
export abstract class Session<Events extends LifecycleEvents> {
  protected readonly events = new Emitter<Events>();
  private readonly children = new Set<Child>();
  private state: SessionStatus = 'connected';
  private closedAs: LifecycleEvents['closed'] | undefined;

  protected constructor(
    /** The underlying Socket.IO socket (for advanced use; prefer the typed methods). */
    readonly socket: ClientSocket,
    protected readonly timeoutMs: number,
  ) {}

  /**
   * `connected`, `reconnecting` (actions fail with NOT_CONNECTED until back), or `closed` (for good).
   *
   * @example
   * button.disabled = session.status !== 'connected';
   */
  get status(): SessionStatus {
    return this.state;
  }

  /**
   * Why the session closed, once `status` is `closed` (the payload its `closed` event carried); undefined before. For
   * code that subscribes late, after the session may already have closed: a page that loads its view while the room
   * could end.
   *
   * @example
   * if (room.closedWith?.code === 'ROOM_ENDED') showSummary();
   */
  get closedWith(): LifecycleEvents['closed'] | undefined {
    return this.closedAs;
  }

  /**
   * Subscribes to a push or lifecycle event; returns the unsubscribe function.
   *
   * @example
   * const off = session.on('disconnected', ({ reason }) => showBanner(reason));
   * off();
   */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  /**
   * Resolves with the next `event`'s payload. Rejects with `CLOSED` if the session closes first, or `TIMEOUT` after
   * `timeoutMs` when given.
   *
   * @example
   * const { room } = await liveRoom.once('room:updated');
   */
  once<K extends keyof Events>(event: K, opts: { timeoutMs?: number } = {}): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const offs: (() => void)[] = [];
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        for (const off of offs) off();
        fn();
      };
      offs.push(this.events.on(event, (p) => settle(() => resolve(p))));
      if (event !== 'closed') {
        offs.push(
          this.events.on('closed', ({ reason }) =>
            settle(() => reject(new HawkerError('CLOSED', `Closed before ${String(event)}: ${reason}`))),
          ),
        );
      }
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(
          () => settle(() => reject(new HawkerError('TIMEOUT', `No ${String(event)} within ${opts.timeoutMs} ms`))),
          opts.timeoutMs,
        );
      }
    });
  }

  /**
   * Sends any client event of the protocol and resolves with its acknowledged data, or rejects with a HawkerError.
   * The typed methods are built on it.
   *
   * @example
   * const snap = await room.request('room:join', { roomId });
   */
  request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<RequestResult<E>> {
    if (this.state === 'closed')
      return Promise.reject(
        new HawkerError('CLOSED', 'This connection is closed (the room ended, you left, or you were removed); join again to continue'),
      );
    return request(this.socket, event, payload, this.timeoutMs);
  }

  /**
   * Registers something this session owns: it is closed with the session. Returns a function that unregisters it
   * (for a child that closes on its own).
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

  /**
   * Closes the connection and everything it owns (media, timers). Idempotent.
   *
   * @example
   * window.addEventListener('pagehide', () => session.close());
   */
  close(): void {
    this.shutdown('Closed by this client', 'CLOSED_BY_CLIENT');
  }

  /** Ends the session for good: children, socket, then one `closed` event. */
  protected shutdown(reason: string, code: CloseCode): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedAs = { reason, code };
    for (const child of [...this.children]) {
      try {
        child.close();
      } catch (err) {
        console.error('[hawker] closing a child failed', err);
      }
    }
    this.children.clear();
    this.socket.disconnect();
    this.emitLocal('closed', { reason, code });
    this.events.clear();
  }

  protected emitLocal<K extends keyof LifecycleEvents>(event: K, payload: LifecycleEvents[K]): void {
    (this.events as unknown as Emitter<LifecycleEvents>).emit(event, payload);
  }

  /** Every server push, before it is forwarded to subscribers (update local state here). */
  protected abstract onPush(event: keyof ServerPushes, payload: unknown): void;

  /**
   * Subscribes again after a reconnect (join, watch) and resolves with a function that applies the fresh state and
   * emits `resync`; it runs once the session is `connected` again, so `resync` handlers can act at once. A HawkerError
   * other than NOT_CONNECTED/TIMEOUT ends the session.
   */
  protected abstract resubscribe(): Promise<() => void>;

  /** Starts forwarding pushes and handling reconnects; called once the first subscription succeeded. */
  protected wire(): void {
    this.socket.onAny((event: keyof ServerPushes, payload: unknown) => {
      this.onPush(event, payload);
      if (this.state !== 'closed') (this.events as unknown as Emitter<ServerPushes>).emit(event, payload as never);
      // Signed out everywhere: the server disconnects next and refuses this token, so reconnecting is pointless.
      if (event === 'session:revoked') this.shutdown((payload as ServerPushes['session:revoked']).message, 'REVOKED');
      // Cut for sending far past its budget: the server disconnects next and refuses reconnects for a cool-down.
      if (event === 'connection:cut') this.shutdown((payload as ServerPushes['connection:cut']).message, 'RATE_LIMITED');
    });
    this.socket.on('disconnect', (reason) => {
      if (this.state === 'closed') return;
      this.state = 'reconnecting';
      this.emitLocal('disconnected', { reason });
      // The server cut us on purpose without ending the room or removing us (a node restarting, say): Socket.IO does
      // not retry those by itself.
      if (reason === 'io server disconnect') this.socket.connect();
    });
    // Only reconnects reach this handler: the first 'connect' happened before wire(). Always subscribe again: the
    // server's leave-on-disconnect closed this connection's presence and viewer media (a publisher's tracks are held
    // for a grace period, and the Publisher takes them back on `resync`), and subscribing is idempotent.
    this.socket.on('connect', () => {
      if (this.state === 'closed') return;
      this.emitLocal('reconnected', { recovered: this.socket.recovered });
      this.resubscribe().then(
        (apply) => {
          if (this.state === 'closed') return;
          this.state = 'connected';
          apply();
        },
        (err: HawkerError) => {
          // A refusal (ended, banned) is final; a connection problem brings another 'connect'.
          if (err.code !== 'NOT_CONNECTED' && err.code !== 'TIMEOUT') this.shutdown(err.message, 'REJOIN_FAILED');
        },
      );
    });
  }
}
