import type { z } from 'zod';
import type { CreateRoomBody, DevTokenRequest, DevTokenResponse, ListRoomsQuery, Room, WireError } from '../../server/protocol/index.ts';
import { HawkerError } from './errors.ts';

/** Options for {@link HawkerApi}. */
export interface ApiOptions {
  /** Milliseconds to wait for each response (default 10 s). */
  timeoutMs?: number;
}

/**
 * Typed REST client for a Hawker server: room lifecycle (create, go live, end, list) and the other HTTP endpoints the
 * room features use. Uses the global `fetch` (browsers, Node 18+). Every failure is a {@link HawkerError}: the server's
 * typed error, `NOT_CONNECTED` when the server cannot be reached, `TIMEOUT` when it does not answer.
 *
 * @example
 * const { token } = await HawkerApi.devToken('http://localhost:3000', { userId: 'c1', name: 'Mia', role: 'creator' });
 * const api = new HawkerApi('http://localhost:3000', token);
 * const room = await api.createRoom({ title: 'Spring sale' });
 * await api.goLive(room.id);
 */
export class HawkerApi {
  /** Base URL without a trailing slash. */
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(
    url: string,
    readonly token: string,
    opts: ApiOptions = {},
  ) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /**
   * Mints a token from the server's development signer (`POST /api/dev/tokens`; servers with DEV_TOKENS=false answer
   * NOT_FOUND). For demos and tests: production tokens come from your identity provider.
   *
   * @example
   * const { token, principal } = await HawkerApi.devToken(url, { userId: 'v1', name: 'Ann', role: 'viewer' });
   */
  static devToken(url: string, principal: z.input<typeof DevTokenRequest>, opts: ApiOptions = {}): Promise<DevTokenResponse> {
    return new HawkerApi(url, '', opts).call('POST', '/api/dev/tokens', principal);
  }

  /**
   * Creates (or, with `scheduledAt`, schedules) a room. Creators only.
   *
   * @example
   * const room = await api.createRoom({ title: 'Night market', coverUrl: 'https://cdn.example.com/c.jpg' });
   */
  createRoom(body: z.input<typeof CreateRoomBody>): Promise<Room> {
    return this.call('POST', '/api/rooms', body);
  }

  /**
   * Reads one room.
   *
   * @example
   * const { status } = await api.getRoom(roomId);
   */
  getRoom(roomId: string): Promise<Room> {
    return this.call('GET', `/api/rooms/${encodeURIComponent(roomId)}`);
  }

  /**
   * Lists rooms, newest first; filters intersect.
   *
   * @example
   * const live = await api.listRooms({ status: 'live', agencyId: 'ag1' });
   */
  async listRooms(query: z.input<typeof ListRoomsQuery> = {}): Promise<Room[]> {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const res = await this.call<{ rooms: Room[] }>('GET', `/api/rooms${qs.size ? `?${qs}` : ''}`);
    return res.rooms;
  }

  /**
   * Takes a scheduled room live (its creator only); everyone in the room gets `room:updated`.
   *
   * @example
   * await api.goLive(room.id);
   */
  goLive(roomId: string): Promise<Room> {
    return this.call('POST', `/api/rooms/${encodeURIComponent(roomId)}/live`);
  }

  /**
   * Ends a room for everyone (creator, its agency, admins): viewers get `room:ended` with `reason`.
   *
   * @example
   * await api.endRoom(room.id, 'Thanks for watching!');
   */
  endRoom(roomId: string, reason?: string): Promise<Room> {
    return this.call('POST', `/api/rooms/${encodeURIComponent(roomId)}/end`, reason === undefined ? {} : { reason });
  }

  /**
   * Any JSON endpoint: sends `body` as JSON with the bearer token and resolves with the parsed response, or rejects
   * with the server's typed error. The typed methods above are built on it.
   *
   * @example
   * const orders = await api.call<{ orders: unknown[] }>('GET', '/api/orders');
   */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new HawkerError('TIMEOUT', `${method} ${path}: no answer within ${this.timeoutMs} ms; retry`);
      throw new HawkerError('NOT_CONNECTED', `Cannot reach ${this.url} (${(err as Error).message}); check the address and your network`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new HawkerError('INTERNAL', `${method} ${path}: the server answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const error = (parsed as { error?: WireError } | undefined)?.error;
      throw error ? HawkerError.fromWire(error) : new HawkerError('INTERNAL', `${method} ${path}: HTTP ${res.status}`);
    }
    return parsed as T;
  }
}
