import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Ack, ChatMessage, Principal, Room } from '@hawker/protocol';
import { api, call, connect, devToken, ok, type ClientSocket } from '../../harness/clients.ts';
import { startNode, type TestNode } from '../../harness/node.ts';
import { redisFingerprint } from '../../harness/redisState.ts';

/**
 * Every protected REST route and socket event, tried by every role (including another agency's moderator and owner,
 * and a moderator whose token claims an agency whose roster does not list them). Only the allowed ones succeed; a
 * refused one is FORBIDDEN and leaves Redis exactly as it was.
 */
const ACTORS = {
  viewer: { userId: 'v1', role: 'viewer' },
  roomCreator: { userId: 'c1', role: 'creator' },
  sameAgencyCreator: { userId: 'c2', role: 'creator' },
  otherAgencyCreator: { userId: 'c3', role: 'creator' },
  moderator: { userId: 'm1', role: 'moderator', agencyId: 'ag1' },
  otherAgencyModerator: { userId: 'm2', role: 'moderator', agencyId: 'ag2' },
  unlistedModerator: { userId: 'm9', role: 'moderator', agencyId: 'ag1' },
  agencyOwner: { userId: 'owner1', role: 'agency', agencyId: 'ag1' },
  otherAgencyOwner: { userId: 'owner2', role: 'agency', agencyId: 'ag2' },
  admin: { userId: 'root', role: 'admin' },
} as const;
type ActorName = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as ActorName[];
const ROOM_STAFF: ActorName[] = ['roomCreator', 'moderator', 'agencyOwner', 'admin'];
const AGENCY_STAFF: ActorName[] = ['moderator', 'agencyOwner', 'admin'];
const AGENCY_MANAGERS: ActorName[] = ['agencyOwner', 'admin'];
const CREATORS: ActorName[] = ['roomCreator', 'sameAgencyCreator', 'otherAgencyCreator', 'admin'];

let node: TestNode;
let redis: Redis;
const tokens = {} as Record<ActorName, string>;
const sockets = {} as Record<ActorName, ClientSocket>;
let roomId: string;
let chatter: ClientSocket;
let seq = 0;

beforeAll(async () => {
  // Every action that needs a fresh room creates one as the room creator: far more than a creator's room quotas.
  node = await startNode({ CHAT_RATE_BURST: '1000', ROOMS_OPEN_PER_CREATOR: '1000', ROOMS_CREATED_PER_HOUR: '10000' });
  redis = new Redis(inject('redisUrl'));
  for (const name of EVERYONE) tokens[name] = await devToken(node.url, { ...ACTORS[name], name } as Principal);
  const admin = tokens.admin;
  await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' });
  await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag2', name: 'Two', ownerId: 'owner2' });
  for (const [agency, creator] of [
    ['ag1', 'c1'],
    ['ag1', 'c2'],
    ['ag2', 'c3'],
  ])
    await api(node.url, 'PUT', `/api/agencies/${agency}/creators/${creator}`, admin);
  await api(node.url, 'PUT', '/api/agencies/ag1/moderators/m1', admin);
  await api(node.url, 'PUT', '/api/agencies/ag2/moderators/m2', admin);
  roomId = (await newRoom(true)).id;
  for (const name of EVERYONE) sockets[name] = await connect(node.url, tokens[name]);
  chatter = await connect(node.url, await devToken(node.url, { userId: 'chatter', name: 'chatter', role: 'viewer' }));
  ok(await call(chatter, 'room:join', { roomId }));
});

afterAll(async () => {
  for (const s of [...Object.values(sockets), chatter]) s?.disconnect();
  redis?.disconnect();
  await node?.close();
});

async function newRoom(live: boolean): Promise<Room> {
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', tokens.roomCreator, { title: `room ${seq++}` })).body;
  if (live) await api(node.url, 'POST', `/api/rooms/${room.id}/live`, tokens.roomCreator);
  return room;
}

const fingerprint = () => redisFingerprint(redis, node.prefix);

type Outcome = string; // 'ok' or the error code
const rest = async (actor: ActorName, method: string, path: string, body?: unknown): Promise<Outcome> => {
  const res = await api<{ error?: { code: string } }>(node.url, method, path, tokens[actor], body);
  return res.status < 300 ? 'ok' : (res.body?.error?.code ?? String(res.status));
};
const emit = async (actor: ActorName, event: Parameters<typeof call>[1], payload: unknown): Promise<Outcome> => {
  const ack = (await call(sockets[actor], event, payload as never)) as Ack<unknown>;
  return ack.ok ? 'ok' : ack.error.code;
};
const message = async (): Promise<string> => (ok(await call(chatter, 'chat:send', { roomId, text: `m${seq++}` })) as ChatMessage).id;

/** Each action: who may do it, optional per-attempt setup (fresh state), and the attempt. */
const ACTIONS: Record<
  string,
  { allowed: ActorName[]; setup?: () => Promise<unknown>; run: (a: ActorName, setup: unknown) => Promise<Outcome> }
> = {
  'POST /api/rooms': { allowed: CREATORS, run: (a) => rest(a, 'POST', '/api/rooms', { title: 'mine' }) },
  'GET /api/rooms': { allowed: EVERYONE, run: (a) => rest(a, 'GET', '/api/rooms?agencyId=ag1') },
  'GET /api/rooms/:id': { allowed: EVERYONE, run: (a) => rest(a, 'GET', `/api/rooms/${roomId}`) },
  'POST /api/rooms/:id/live': {
    allowed: ['roomCreator', 'admin'],
    setup: () => newRoom(false),
    run: (a, r) => rest(a, 'POST', `/api/rooms/${(r as Room).id}/live`),
  },
  'POST /api/rooms/:id/end': {
    allowed: ['roomCreator', 'agencyOwner', 'admin'],
    setup: () => newRoom(true),
    run: (a, r) => rest(a, 'POST', `/api/rooms/${(r as Room).id}/end`, {}),
  },
  'GET /api/rooms/:id/moderation': { allowed: ROOM_STAFF, run: (a) => rest(a, 'GET', `/api/rooms/${roomId}/moderation`) },
  'GET /api/rooms/:id/audit': { allowed: ROOM_STAFF, run: (a) => rest(a, 'GET', `/api/rooms/${roomId}/audit`) },
  'POST /api/agencies': {
    allowed: ['admin'],
    run: (a) => rest(a, 'POST', '/api/agencies', { id: `new${seq++}`, name: 'New', ownerId: 'o' }),
  },
  'GET /api/agencies': { allowed: ['admin'], run: (a) => rest(a, 'GET', '/api/agencies') },
  'GET /api/agencies/:id': { allowed: AGENCY_STAFF, run: (a) => rest(a, 'GET', '/api/agencies/ag1') },
  'PUT /api/agencies/:id/creators/:u': { allowed: AGENCY_MANAGERS, run: (a) => rest(a, 'PUT', `/api/agencies/ag1/creators/new${seq++}`) },
  'DELETE /api/agencies/:id/creators/:u': {
    allowed: AGENCY_MANAGERS,
    setup: async () => {
      const u = `old${seq++}`;
      await api(node.url, 'PUT', `/api/agencies/ag1/creators/${u}`, tokens.admin);
      return u;
    },
    run: (a, u) => rest(a, 'DELETE', `/api/agencies/ag1/creators/${String(u)}`),
  },
  'PUT /api/agencies/:id/moderators/:u': {
    allowed: AGENCY_MANAGERS,
    run: (a) => rest(a, 'PUT', `/api/agencies/ag1/moderators/new${seq++}`),
  },
  'DELETE /api/agencies/:id/moderators/:u': {
    allowed: AGENCY_MANAGERS,
    setup: async () => {
      const u = `oldm${seq++}`;
      await api(node.url, 'PUT', `/api/agencies/ag1/moderators/${u}`, tokens.admin);
      return u;
    },
    run: (a, u) => rest(a, 'DELETE', `/api/agencies/ag1/moderators/${String(u)}`),
  },
  'GET /api/agencies/:id/audit': { allowed: AGENCY_STAFF, run: (a) => rest(a, 'GET', '/api/agencies/ag1/audit') },
  'GET /api/agencies/:id/moderation': { allowed: AGENCY_STAFF, run: (a) => rest(a, 'GET', '/api/agencies/ag1/moderation') },
  'GET /api/audit': { allowed: ['admin'], run: (a) => rest(a, 'GET', '/api/audit') },
  'room:join': { allowed: EVERYONE, run: (a) => emit(a, 'room:join', { roomId }) },
  'chat:send': { allowed: EVERYONE, run: (a) => emit(a, 'chat:send', { roomId, text: `from ${a}` }) },
  'like:tap': { allowed: EVERYONE, run: (a) => emit(a, 'like:tap', { roomId, count: 1 }) },
  'mod:delete': { allowed: ROOM_STAFF, setup: message, run: (a, id) => emit(a, 'mod:delete', { roomId, messageId: id }) },
  'mod:mute': { allowed: ROOM_STAFF, run: (a) => emit(a, 'mod:mute', { roomId, userId: `troll${seq++}`, durationS: 60 }) },
  'mod:unmute': {
    allowed: ROOM_STAFF,
    setup: async () => {
      const u = `muted${seq++}`;
      ok(await call(sockets.admin, 'mod:mute', { roomId, userId: u, durationS: 60 }));
      return u;
    },
    run: (a, u) => emit(a, 'mod:unmute', { roomId, userId: u }),
  },
  'mod:ban': { allowed: ROOM_STAFF, run: (a) => emit(a, 'mod:ban', { roomId, userId: `troll${seq++}` }) },
  'mod:unban': {
    allowed: ROOM_STAFF,
    setup: async () => {
      const u = `banned${seq++}`;
      ok(await call(sockets.admin, 'mod:ban', { roomId, userId: u }));
      return u;
    },
    run: (a, u) => emit(a, 'mod:unban', { roomId, userId: u }),
  },
  'mod:slowMode': { allowed: ROOM_STAFF, run: (a) => emit(a, 'mod:slowMode', { roomId, seconds: seq++ % 2 }) },
  'mod:roomKeywords': {
    allowed: ROOM_STAFF,
    run: (a) => emit(a, 'mod:roomKeywords', { roomId, add: [{ word: `w${seq++}`, mode: 'block' }] }),
  },
  'mod:agencyBan': { allowed: AGENCY_STAFF, run: (a) => emit(a, 'mod:agencyBan', { agencyId: 'ag1', userId: `troll${seq++}` }) },
  'mod:agencyUnban': {
    allowed: AGENCY_STAFF,
    setup: async () => {
      const u = `abanned${seq++}`;
      ok(await call(sockets.admin, 'mod:agencyBan', { agencyId: 'ag1', userId: u }));
      return u;
    },
    run: (a, u) => emit(a, 'mod:agencyUnban', { agencyId: 'ag1', userId: u }),
  },
  'mod:agencyKeywords': {
    allowed: AGENCY_STAFF,
    run: (a) => emit(a, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word: `aw${seq++}`, mode: 'shadow' }] }),
  },
};

it('role x action: only the allowed roles succeed; every refusal is FORBIDDEN and changes nothing', async () => {
  const actual: Record<string, Record<ActorName, Outcome>> = {};
  const expected: Record<string, Record<ActorName, Outcome>> = {};
  for (const [action, spec] of Object.entries(ACTIONS)) {
    actual[action] = {} as Record<ActorName, Outcome>;
    expected[action] = {} as Record<ActorName, Outcome>;
    for (const actor of EVERYONE) {
      const allowed = spec.allowed.includes(actor);
      expected[action][actor] = allowed ? 'ok' : 'FORBIDDEN';
      const prepared = await spec.setup?.();
      const before = allowed ? undefined : await fingerprint();
      actual[action][actor] = await spec.run(actor, prepared);
      if (!allowed) expect(await fingerprint(), `${actor} ${action} changed state`).toEqual(before);
    }
  }
  expect(actual).toEqual(expected);
});

it('without a token, every route is UNAUTHENTICATED and sockets cannot connect', async () => {
  const paths: [string, string][] = [
    ['POST', '/api/rooms'],
    ['GET', '/api/rooms'],
    ['GET', `/api/rooms/${roomId}`],
    ['POST', `/api/rooms/${roomId}/live`],
    ['POST', `/api/rooms/${roomId}/end`],
    ['GET', `/api/rooms/${roomId}/moderation`],
    ['GET', `/api/rooms/${roomId}/audit`],
    ['POST', '/api/agencies'],
    ['GET', '/api/agencies'],
    ['GET', '/api/agencies/ag1'],
    ['PUT', '/api/agencies/ag1/creators/x'],
    ['DELETE', '/api/agencies/ag1/creators/c1'],
    ['PUT', '/api/agencies/ag1/moderators/x'],
    ['DELETE', '/api/agencies/ag1/moderators/m1'],
    ['GET', '/api/agencies/ag1/audit'],
    ['GET', '/api/agencies/ag1/moderation'],
    ['GET', '/api/audit'],
  ];
  const before = await fingerprint();
  for (const [method, path] of paths) {
    const res = await api<{ error: { code: string } }>(node.url, method, path, undefined, method === 'GET' ? undefined : {});
    expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 401, 'UNAUTHENTICATED']);
  }
  for (const token of [undefined, 'not-a-jwt', `${tokens.admin}x`]) {
    const err = await connect(node.url, token as string).then(
      (s) => {
        s.disconnect();
        return undefined;
      },
      (e: Error & { data?: { code: string } }) => e,
    );
    expect(err?.data?.code).toBe('UNAUTHENTICATED');
  }
  expect(await fingerprint()).toEqual(before);
});
