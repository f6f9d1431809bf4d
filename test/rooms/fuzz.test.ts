import { expect, it } from 'vitest';
import { ErrorCode, type Ack, type ChatMessage } from '@hawker/protocol';
import { call, connect, devToken, ok, type ClientSocket } from '../../harness/clients.ts';
import { inspector } from '../../harness/commerce.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { generator } from '../../harness/fuzz.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a few thousand random payloads: each acknowledged with a typed result or error, nothing changes, the server keeps serving', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  const node = t.add(await startNode({ CHAT_RATE_BURST: '3' }));
  const redis = t.add(inspector());
  const { roomId } = await liveRoom(node.url, { agencyId: 'ag1' });
  const moderation = async () => {
    const keys = (await redis.keys(`${node.prefix}mod:*`)).concat(
      await redis.keys(`${node.prefix}room*`),
      await redis.keys(`${node.prefix}agenc*`),
    );
    return keys.sort();
  };
  const modBefore = await moderation();

  // 50 connections of people with no moderation rights (viewers, another agency's staff), 60 packets each: within the
  // per-connection event budget, so every packet reaches validation.
  const roles = [['viewer'], ['moderator', 'ag2'], ['agency', 'ag2'], ['creator']] as const;
  const fuzzers: ClientSocket[] = [];
  for (let i = 0; i < 50; i++) {
    const [role, agencyId] = roles[i % roles.length]!;
    const s = t.add(
      await connect(node.url, await devToken(node.url, { userId: `f${i}`, name: `f${i}`, role, ...(agencyId ? { agencyId } : {}) })),
    );
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
          (s.timeout(30_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> })
            .emitWithAck(event, payload)
            .then((ack) => {
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
  const watcher = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'after')));
  const snap = await watcher.join(roomId);
  expect(snap.chat.map((m) => m.id).sort(), `seed ${seed}`).toEqual(accepted.sort());
  await watcher.until('like total matches the accepted taps', (s) => s.stats.likes === likes);

  // And it keeps serving.
  const msg = ok(await call(watcher.socket, 'chat:send', { roomId, text: 'still alive' })) as ChatMessage;
  await watcher.until('own message arrives', (s) => s.chat.some((m) => m.id === msg.id));
  expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
});

it('an oversized frame or a malformed packet closes only that connection; everyone else carries on', async () => {
  const node = t.add(await startNode());
  const { roomId } = await liveRoom(node.url);
  const bystander = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'bystander')));
  await bystander.join(roomId);
  for (const raw of [
    `42["chat:send",{"roomId":"${'x'.repeat(100_000)}"}]`,
    '42[',
    '4{"broken',
    '99',
    `42["room:join",{"roomId":${'['.repeat(5000)}`,
  ]) {
    const s = t.add(await connect(node.url, await tokenFor(node.url, 'attacker')));
    const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
    s.io.engine.send(raw);
    expect(await closed).toMatch(/transport close|parse error|io server disconnect/);
  }
  const msg = ok(await call(bystander.socket, 'chat:send', { roomId, text: 'unbothered' })) as ChatMessage;
  await bystander.until('own message arrives', (s) => s.chat.some((m) => m.id === msg.id));
});
