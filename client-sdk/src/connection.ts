import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../server/protocol/index.ts';
import { HawkerError } from './errors.ts';

/** The typed Socket.IO client socket the SDK speaks through. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Every client→server event name of the protocol. */
export type RequestName = keyof ClientToServerEvents;
/** What `event` sends. */
export type RequestPayload<E extends RequestName> = Parameters<ClientToServerEvents[E]>[0];
/** What `event`'s acknowledgement carries on success. */
export type RequestResult<E extends RequestName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;
/** Every server→client push, by name, with its payload type. */
export type ServerPushes = { [K in keyof ServerToClientEvents]: Parameters<ServerToClientEvents[K]>[0] };

/** Connection options shared by {@link LiveRoom.join} and {@link AgencyConsole.connect}. */
export interface ConnectOptions {
  /** Milliseconds to wait for the connection and for each acknowledgement (default 10 s). */
  timeoutMs?: number;
  /** Socket.IO transports (default websocket, falling back to long-polling). */
  transports?: ('websocket' | 'polling')[];
}

/** Opens an authenticated Socket.IO connection that reconnects by itself; rejects with a typed error. */
export async function openSocket(url: string, token: string, opts: ConnectOptions): Promise<ClientSocket> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const socket: ClientSocket = io(url, {
    auth: { token },
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
export async function request<E extends RequestName>(socket: ClientSocket, event: E, payload: RequestPayload<E>, timeoutMs: number): Promise<RequestResult<E>> {
  if (!socket.connected) throw new HawkerError('NOT_CONNECTED', 'Not connected; the SDK is reconnecting, retry shortly');
  let ack: Ack<RequestResult<E>>;
  try {
    ack = await (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<RequestResult<E>>> }).emitWithAck(event, payload);
  } catch {
    throw new HawkerError(socket.connected ? 'TIMEOUT' : 'NOT_CONNECTED', `${event}: no answer within ${timeoutMs} ms; check the connection and retry`);
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
