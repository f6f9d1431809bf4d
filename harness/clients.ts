import { io as ioClient, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, Principal, ServerToClientEvents } from '@hawker/protocol';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Mints a token through the node's development signer (POST /api/dev/tokens). */
export async function devToken(url: string, principal: Principal): Promise<string> {
  const res = await fetch(`${url}/api/dev/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(principal),
  });
  if (res.status !== 201) throw new Error(`dev token failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Opens a real socket.io-client connection (websocket transport) and waits until it is connected. */
export async function connect(url: string, token: string, opts: { reconnection?: boolean } = {}): Promise<ClientSocket> {
  // A generous handshake timeout: tests that open thousands of sockets on a loaded 2-core box must not fail on it.
  const socket: ClientSocket = ioClient(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: opts.reconnection ?? false,
    forceNew: true,
    timeout: 60_000,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

/** Emits a client event and resolves with its acknowledgement (rejects if none within `timeoutMs`). */
export function call<E extends keyof ClientToServerEvents>(
  socket: ClientSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  timeoutMs = 5_000,
): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
  return (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<never> }).emitWithAck(event, payload);
}

/** Unwraps a successful ack or throws with its error code. */
export function ok<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/** A REST call with a bearer token; returns status and parsed JSON. */
export async function api<T = unknown>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Resolves with the next `event` payload on `socket`. */
export function next<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} within ${timeoutMs} ms`)), timeoutMs);
    (socket as unknown as { once(e: string, l: (p: unknown) => void): void }).once(event as string, (p) => {
      clearTimeout(timer);
      resolve(p as never);
    });
  });
}

/** Scrapes the node's GET /metrics and parses the Prometheus text into `name{labels}` → value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || !type.startsWith('text/plain')) throw new Error(`GET /metrics: ${res.status} ${type}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
