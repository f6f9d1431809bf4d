/**
 * Abusers load process (bench/soak.ts): users who each push every quota they can reach, at once, until `stop` or the
 * deadline. Every answer is counted by what it was (`ok`, or the error code and the limit it named), so the report
 * shows which limit held each attack.
 *
 * - viewers: open more connections than SOCKETS_PER_USER, join more rooms per connection than ROOMS_PER_SOCKET, tap
 *   likes far above LIKES_PER_USER_PER_SEC, spam chat, and hammer REST (each from its own X-Forwarded-For address, as
 *   buyers behind the documented nginx would be).
 * - creators: create rooms past ROOMS_OPEN_PER_CREATOR / ROOMS_CREATED_PER_HOUR, products past PRODUCTS_PER_ROOM
 *   (deleting and re-creating), and product bodies past PRODUCT_MAX_BYTES.
 * - moderators: edit the agency keyword list in a tight loop with the largest edits the schema allows (the audit-log
 *   amplification of issue 14).
 */
import { io as ioClient } from 'socket.io-client';
import type { ClientSocket } from '../../harness/clients.ts';
import { TokenService } from '../../server/auth/tokens.ts';
import type { Principal } from '@hawker/protocol';
import { emitEvent, serveLoad } from '../lib/procs.ts';

interface Init {
  url: string;
  secret: string;
  idPrefix: string;
  /** Live rooms viewers join and tap in. */
  roomIds: string[];
  agencyId: string;
  viewers: number;
  creators: number;
  moderators: number;
  /** Connections each viewer tries to hold (set above SOCKETS_PER_USER). */
  socketsPerViewer: number;
  /** Rooms each connection tries to join (set above ROOMS_PER_SOCKET). */
  roomsPerSocket: number;
}

type WireAck = { ok: true; data: unknown } | { ok: false; error: { code: string; details?: { limit?: string } } };

const outcomes: Record<string, number> = {};
function count(action: string, outcome: string): void {
  const key = `${action} ${outcome}`;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}
function outcomeOf(ack: WireAck): string {
  return ack.ok ? 'ok' : `${ack.error.code}${ack.error.details?.limit ? `:${ack.error.details.limit}` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

serveLoad<Init>((init) => {
  const tokens = new TokenService({ kind: 'secret', secret: init.secret });
  const sign = async (p: Principal) => (await tokens.sign(p, 3600)).token;
  const sockets = new Set<ClientSocket>();
  let running = false;
  const loops: Promise<void>[] = [];

  function emit(socket: ClientSocket, event: string, payload: unknown): Promise<WireAck> {
    return (socket.timeout(30_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<WireAck> })
      .emitWithAck(event, payload)
      .catch(() => ({ ok: false, error: { code: 'NO_ANSWER' } }) as const);
  }

  function open(token: string): Promise<ClientSocket | string> {
    const socket: ClientSocket = ioClient(init.url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 30_000,
    });
    return new Promise((resolve) => {
      // SOCKET_CUT_REFUSALS: a connection far past its budget is told once, then disconnected.
      socket.on('connection:cut', (cut) => count('connection:cut', `${cut.code}:${cut.details.limit}`));
      socket.once('connect', () => {
        sockets.add(socket);
        socket.once('disconnect', () => sockets.delete(socket));
        resolve(socket);
      });
      socket.once('connect_error', (err: Error & { data?: { code?: string; details?: { limit?: string } } }) => {
        socket.disconnect();
        resolve(err.data?.code ? `${err.data.code}${err.data.details?.limit ? `:${err.data.details.limit}` : ''}` : 'CONNECT_ERROR');
      });
    });
  }

  async function rest(
    token: string,
    ip: string,
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; outcome: string; json: unknown }> {
    try {
      const res = await fetch(`${init.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const err = (json as { error?: { code: string; details?: { limit?: string } } } | undefined)?.error;
      const outcome = res.ok ? 'ok' : err ? `${err.code}${err.details?.limit ? `:${err.details.limit}` : ''}` : `HTTP_${res.status}`;
      return { status: res.status, outcome, json };
    } catch (e) {
      return { status: 0, outcome: `FETCH_${(e as Error).name}`, json: undefined };
    }
  }

  /** Runs `step` until stopped, at most every `everyMs` (an abuser waits for each answer: load tracks the server). */
  function loop(everyMs: number, step: () => Promise<void>): void {
    loops.push(
      (async () => {
        while (running) {
          const t0 = Date.now();
          await step();
          const left = everyMs - (Date.now() - t0);
          if (left > 0) await sleep(left);
        }
      })(),
    );
  }

  async function viewer(i: number): Promise<void> {
    const userId = `${init.idPrefix}v${i}`;
    const token = await sign({ userId, name: userId, role: 'viewer' });
    const ip = `10.${(i >> 8) & 255}.${i & 255}.${1 + (init.idPrefix.length % 200)}`;
    const mine: ClientSocket[] = [];
    for (let s = 0; s < init.socketsPerViewer; s++) {
      const r = await open(token);
      if (typeof r === 'string') count('connect', r);
      else {
        count('connect', 'ok');
        mine.push(r);
      }
    }
    // Every connection first joins the room it taps and chats in, then pushes ROOMS_PER_SOCKET with the rest.
    for (const socket of mine)
      count('room:join', outcomeOf(await emit(socket, 'room:join', { roomId: init.roomIds[i % init.roomIds.length]! })));
    for (const [s, socket] of mine.entries()) {
      for (let k = 0; k < init.roomsPerSocket; k++) {
        const roomId = init.roomIds[(i + s + k) % init.roomIds.length]!;
        count('room:join', outcomeOf(await emit(socket, 'room:join', { roomId })));
      }
    }
    if (mine.length) {
      const roomId = init.roomIds[i % init.roomIds.length]!;
      // Every connection taps: the per-user like limit must hold across connections, not per connection. The churn
      // below replaces connections, so each loop uses whichever connection holds its slot now.
      for (let s = 0; s < mine.length; s++)
        loop(100, async () => {
          const socket = mine[s % mine.length];
          if (socket) count('like:tap', outcomeOf(await emit(socket, 'like:tap', { roomId, count: 50 })));
        });
      loop(250, async () => {
        const socket = mine[mine.length - 1];
        if (socket) count('chat:send', outcomeOf(await emit(socket, 'chat:send', { roomId, text: `spam ${Date.now()}` })));
      });
      // Churn: drop one connection and reconnect, so the per-user connection count is exercised on disconnect too.
      loop(5_000, async () => {
        const victim = mine.shift();
        victim?.disconnect();
        const r = await open(token);
        if (typeof r === 'string') count('reconnect', r);
        else {
          count('reconnect', 'ok');
          mine.push(r);
          count('room:join', outcomeOf(await emit(r, 'room:join', { roomId })));
        }
      });
    }
    loop(0, async () => count('GET /api/rooms', (await rest(token, ip, 'GET', '/api/rooms?limit=20')).outcome));
  }

  async function creator(i: number): Promise<void> {
    const userId = `${init.idPrefix}c${i}`;
    const token = await sign({ userId, name: userId, role: 'creator' });
    const ip = `10.200.${i & 255}.${1 + (init.idPrefix.length % 200)}`;
    const rooms: string[] = [];
    loop(50, async () => {
      const r = await rest(token, ip, 'POST', '/api/rooms', JSON.stringify({ title: `abuse ${Date.now()}` }));
      count('POST /api/rooms', r.outcome);
      if (r.status === 201) rooms.push((r.json as { id: string }).id);
    });
    loop(20, async () => {
      const roomId = rooms[0];
      if (!roomId) return void (await sleep(50));
      const body = JSON.stringify({
        title: 'Spam product',
        imageUrl: 'https://img.example.com/p.jpg',
        price: 100,
        currency: 'USD',
        skus: [{ id: 'std', label: 'Standard', stock: 10 }],
      });
      const created = await rest(token, ip, 'POST', `/api/rooms/${roomId}/products`, body);
      count('POST products', created.outcome);
      if (created.status === 201) {
        const id = (created.json as { id: string }).id;
        count('DELETE product', (await rest(token, ip, 'DELETE', `/api/rooms/${roomId}/products/${id}`)).outcome);
      }
    });
    loop(200, async () => {
      const roomId = rooms[0];
      if (!roomId) return void (await sleep(50));
      // Past PRODUCT_MAX_BYTES (16 KB) and REST_BODY_MAX_BYTES (64 KB): JSON padded with whitespace, still valid.
      const body = `{"title":"Huge","imageUrl":"https://img.example.com/p.jpg","price":100,"currency":"USD","skus":[{"id":"std","label":"S","stock":1}]${' '.repeat(70_000)}}`;
      count('POST products (70 KB)', (await rest(token, ip, 'POST', `/api/rooms/${roomId}/products`, body)).outcome);
    });
  }

  async function moderator(i: number): Promise<void> {
    const userId = `${init.idPrefix}m${i}`;
    const token = await sign({ userId, name: userId, role: 'moderator', agencyId: init.agencyId });
    const r = await open(token);
    if (typeof r === 'string') return void count('moderator connect', r);
    let n = 0;
    loop(0, async () => {
      n++;
      // The largest edit the schema allows: 50 words of 40 characters added, the previous 50 removed.
      const word = (k: number, round: number) => `${'字'.repeat(20)}${String(round).padStart(10, '0')}${String(k).padStart(10, '0')}`;
      const add = Array.from({ length: 50 }, (_, k) => ({ word: word(k, n), mode: 'block' }));
      const remove = Array.from({ length: 50 }, (_, k) => word(k, n - 1));
      count('mod:agencyKeywords', outcomeOf(await emit(r, 'mod:agencyKeywords', { agencyId: init.agencyId, add, remove })));
    });
  }

  return {
    async start() {
      running = true;
      const starts: Promise<void>[] = [];
      for (let i = 0; i < init.viewers; i++) starts.push(viewer(i));
      for (let i = 0; i < init.creators; i++) starts.push(creator(i));
      for (let i = 0; i < init.moderators; i++) starts.push(moderator(i));
      await Promise.all(starts);
      emitEvent({ started: true, sockets: sockets.size });
      return { sockets: sockets.size };
    },
    async stop() {
      running = false;
      await Promise.race([Promise.all(loops), sleep(60_000)]);
      for (const s of sockets) s.disconnect();
      return { outcomes };
    },
    snapshot() {
      return { outcomes, sockets: sockets.size };
    },
    exit() {
      running = false;
      for (const s of sockets) s.disconnect();
    },
  };
}, 1_800);
