import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import { clientEventSpecs, ErrorCode, type Ack, type ChatMessage } from '../../server/protocol/index.ts';
import { call, connect, devToken, ok, type ClientSocket } from '../helpers/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../helpers/live.ts';
import { startNode, type TestNode } from '../helpers/node.ts';

let node: TestNode | undefined;
let redis: Redis | undefined;
const sockets: ClientSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  redis?.disconnect();
  await node?.close();
  node = redis = undefined;
});

/** Small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const KNOWN = Object.keys(clientEventSpecs);
const WEIRD_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'room:join ', 'ROOM:JOIN', 'chat:send\u0000', 'x'.repeat(5000), '', 'mod:*', '💥'];
const FIELD_NAMES = ['roomId', 'text', 'count', 'messageId', 'userId', 'durationS', 'seconds', 'agencyId', 'add', 'remove', 'reason', 'word', 'mode', '__proto__', 'constructor', 'extra'];

function generator(seed: number, roomId: string) {
  const r = rng(seed);
  const str = (): string => {
    switch (r.int(8)) {
      case 0: return '';
      case 1: return roomId;
      case 2: return String.fromCharCode(...Array.from({ length: r.int(40) }, () => r.int(0x10000))).replace(/[\ud800-\udfff]/g, '?');
      case 3: return 'x'.repeat(r.pick([199, 200, 201, 1000, 3000])); // frames stay under the 64 KB cap (tested apart)
      case 4: return '\u0000\u0007\u001b[31m\u202e' + 'abc';
      case 5: return `${r.int(1e15)}-${r.int(1e6)}`;
      case 6: return r.pick(['block', 'shadow', 'ag1', 'viewer', 'admin', '../etc', '*', '{}', 'null']);
      default: return Math.random().toString(36);
    }
  };
  const value = (depth: number): unknown => {
    switch (r.int(depth > 4 ? 6 : 9)) {
      case 0: return null;
      case 1: return r.pick([0, -1, 1, 1.5, 49, 50, 51, 1e21, -0, Number.MAX_SAFE_INTEGER, 600, 601, 9]);
      case 2: return str();
      case 3: return r.next() < 0.5;
      case 4: return undefined;
      case 5: return str();
      case 6: return Array.from({ length: r.int(6) }, () => value(depth + 1));
      case 7: return r.int(10) === 0 ? nested(30) : object(depth + 1);
      default: return object(depth + 1);
    }
  };
  const object = (depth: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = r.int(5); i > 0; i--) o[r.pick(FIELD_NAMES)] = value(depth);
    return o;
  };
  const nested = (n: number): unknown => (n === 0 ? { roomId } : { roomId: nested(n - 1) });
  /** A valid payload for a known event with one field broken, or left valid now and then. */
  const almostValid = (event: string): Record<string, unknown> => {
    const base: Record<string, unknown> = {
      roomId, text: 'hi', count: 1, messageId: '1-0', userId: 'someone', durationS: 60, seconds: 5, agencyId: 'ag1',
      add: [{ word: 'w', mode: 'block' }], remove: [],
    };
    const spec = clientEventSpecs[event as keyof typeof clientEventSpecs];
    const shape = (spec.input as unknown as { shape?: Record<string, unknown> }).shape ?? {};
    const p: Record<string, unknown> = {};
    for (const k of Object.keys(shape)) if (k in base) p[k] = base[k];
    if (r.next() < 0.8) p[r.pick([...Object.keys(p), 'extra'])] = value(1);
    else if (r.next() < 0.3) p[r.pick(Object.keys(p).concat('text'))] = 'x'.repeat(r.pick([201, 20_000, 60_000])); // oversized, one frame
    return p;
  };
  return {
    packet(): { event: string; payload: unknown; withAck: boolean } {
      const roll = r.next();
      const event = roll < 0.75 ? r.pick(KNOWN) : roll < 0.9 ? r.pick(WEIRD_NAMES) : str();
      const payload = KNOWN.includes(event) && r.next() < 0.5 ? almostValid(event) : value(0);
      // Without an ack the test cannot know whether a chat or like was accepted, so those two always ask for one.
      return { event, payload, withAck: r.next() < 0.9 || event === 'chat:send' || event === 'like:tap' };
    },
  };
}

it('a few thousand random payloads: each acknowledged with a typed result or error, nothing changes, the server keeps serving', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  node = await startNode({ CHAT_RATE_BURST: '3' });
  redis = new Redis(inject('redisUrl'));
  const { roomId } = await liveRoom(node.url, { agencyId: 'ag1' });
  const moderation = async () => {
    const keys = (await redis!.keys(`${node!.prefix}mod:*`)).concat(await redis!.keys(`${node!.prefix}room*`), await redis!.keys(`${node!.prefix}agenc*`));
    return keys.sort();
  };
  const modBefore = await moderation();

  // 50 connections of people with no moderation rights (viewers, another agency's staff), 60 packets each: within the
  // per-connection event budget, so every packet reaches validation.
  const roles = [['viewer'], ['moderator', 'ag2'], ['agency', 'ag2'], ['creator']] as const;
  const fuzzers: ClientSocket[] = [];
  for (let i = 0; i < 50; i++) {
    const [role, agencyId] = roles[i % roles.length]!;
    const s = await connect(node.url, await devToken(node.url, { userId: `f${i}`, name: `f${i}`, role, ...(agencyId ? { agencyId } : {}) }));
    sockets.push(s);
    fuzzers.push(s);
    if (i % 2 === 0) ok(await call(s, 'room:join', { roomId }));
  }
  const codes = new Set<string>(Object.values(ErrorCode));
  const outcomes: Record<string, number> = {};
  const accepted: string[] = [];
  let likes = 0;
  await Promise.all(
    fuzzers.map(async (s, i) => {
      const gen = generator(seed + i, roomId);
      const acks: Promise<void>[] = [];
      for (let n = 0; n < 60; n++) {
        const { event, payload, withAck } = gen.packet();
        if (!withAck) {
          (s as unknown as { emit(e: string, p: unknown): void }).emit(event, payload);
          continue;
        }
        acks.push(
          (s.timeout(30_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> }).emitWithAck(event, payload).then((ack) => {
            const key = ack.ok ? `${event}:ok` : ack.error.code;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            if (ack.ok) {
              expect(Object.keys(ack).sort()).toEqual(['data', 'ok']);
              if (event === 'chat:send') accepted.push((ack.data as ChatMessage).id);
              if (event === 'like:tap') likes += (ack.data as { accepted: number }).accepted;
            } else {
              expect(codes.has(ack.error.code), `seed ${seed}: ${JSON.stringify(ack)}`).toBe(true);
              expect(typeof ack.error.message).toBe('string');
              expect(ack.error.code, `seed ${seed}: ${event} ${JSON.stringify(payload)?.slice(0, 200)}`).not.toBe('INTERNAL');
            }
          }),
        );
      }
      await Promise.all(acks);
    }),
  );
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  expect(total, `seed ${seed}`).toBeGreaterThan(2500);
  // The fuzz reached every layer: the event guard, schemas, access checks, and some valid requests.
  expect(outcomes.UNKNOWN_EVENT).toBeGreaterThan(0);
  expect(outcomes.BAD_REQUEST).toBeGreaterThan(100);
  expect(outcomes.FORBIDDEN).toBeGreaterThan(0);
  expect(Object.keys(outcomes).some((k) => k.endsWith(':ok'))).toBe(true);

  // Nothing changed that the fuzzers had no right to change; what they could do (chat, like) matches their acks.
  expect(await moderation(), `seed ${seed}`).toEqual(modBefore);
  const watcher = await LiveClient.connect(node.url, await tokenFor(node.url, 'after'));
  sockets.push(watcher.socket);
  const snap = await watcher.join(roomId);
  expect(snap.chat.map((m) => m.id).sort(), `seed ${seed}`).toEqual(accepted.sort());
  await watcher.until('like total matches the accepted taps', (s) => s.stats.likes === likes);

  // And it keeps serving.
  const msg = ok(await call(watcher.socket, 'chat:send', { roomId, text: 'still alive' })) as ChatMessage;
  await watcher.until('own message arrives', (s) => s.chat.some((m) => m.id === msg.id));
  expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
});

it('an oversized frame or a malformed packet closes only that connection; everyone else carries on', async () => {
  node = await startNode();
  const { roomId } = await liveRoom(node.url);
  const bystander = await LiveClient.connect(node.url, await tokenFor(node.url, 'bystander'));
  sockets.push(bystander.socket);
  await bystander.join(roomId);
  for (const raw of ['42["chat:send",{"roomId":"' + 'x'.repeat(100_000) + '"}]', '42[', '4{"broken', '99', '42["room:join",{"roomId":' + '['.repeat(5000)]) {
    const s = await connect(node.url, await tokenFor(node.url, 'attacker'));
    sockets.push(s);
    const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
    s.io.engine.send(raw);
    expect(await closed).toMatch(/transport close|parse error|io server disconnect/);
  }
  const msg = ok(await call(bystander.socket, 'chat:send', { roomId, text: 'unbothered' })) as ChatMessage;
  await bystander.until('own message arrives', (s) => s.chat.some((m) => m.id === msg.id));
});
