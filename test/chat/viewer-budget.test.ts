import { expect, it } from 'vitest';
import type { ChatBatch, ChatMessage } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

// Issue 20 (P2): the per-viewer delivery budget of very large rooms (server/chat/budget.ts). "Very large" is scaled
// down to 6 connections; the budget to 2 messages a second (a burst of 2). No timing thresholds: the bound on what a
// viewer got is computed from the time the test actually took, and every count is taken after a marker arrived.

const t = useTeardown();
const PER_S = 2;

/** Every chat message `c` was pushed for `roomId`, in arrival order (duplicates kept: each push counts). */
function received(c: LiveClient, roomId: string): ChatMessage[] {
  return c.pushes
    .filter((p) => p.event === 'chat:batch')
    .flatMap((p) => (p.payload as ChatBatch).messages)
    .filter((m) => m.roomId === roomId);
}

async function client(url: string, userId: string, role: 'viewer' | 'creator' | 'moderator' = 'viewer', agencyId?: string) {
  return t.add(await LiveClient.connect(url, await tokenFor(url, userId, role, agencyId)));
}

async function say(c: LiveClient, roomId: string, text: string): Promise<void> {
  ok(await call(c.socket, 'chat:send', { roomId, text }));
}

it('above the room size, a viewer gets at most the budget of others; their own, the creator and moderators always', async () => {
  const node = t.add(
    await startNode({
      CHAT_VIEWER_BUDGET_PER_S: String(PER_S),
      CHAT_BUDGET_MIN_VIEWERS: '6',
      // The per-user chat limit is not under test: lifted so each sender can send a burst.
      CHAT_RATE_BURST: '1000',
      CHAT_RATE_PER_MIN: '60000',
    }),
  );
  const { roomId } = await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'host' });
  const creator = await client(node.url, 'host', 'creator', 'ag1');
  const moderator = await client(node.url, 'mod', 'moderator', 'ag1');
  const watcher = await client(node.url, 'watcher');
  const senders = await Promise.all(Array.from({ length: 5 }, (_, i) => client(node.url, `s${i}`)));
  for (const c of [creator, moderator, watcher, ...senders]) await c.join(roomId); // 8 connections >= 6

  const started = Date.now();
  await Promise.all([
    ...senders.map(async (s, i) => {
      for (let k = 0; k < 12; k++) await say(s, roomId, `s${i}-${k}`);
    }),
    (async () => {
      for (let k = 0; k < 3; k++) await say(watcher, roomId, `own-${k}`);
      for (let k = 0; k < 2; k++) await say(creator, roomId, `host-${k}`);
      for (let k = 0; k < 2; k++) await say(moderator, roomId, `mod-${k}`);
    })(),
  ]);
  await say(creator, roomId, 'END');
  await watcher.until('the marker arrived', () => received(watcher, roomId).some((m) => m.text === 'END'));
  await senders[0]!.until("s0's marker arrived", () => received(senders[0]!, roomId).some((m) => m.text === 'END'));
  const seconds = (Date.now() - started) / 1000;

  const got = received(watcher, roomId);
  const texts = got.map((m) => m.text);
  expect(new Set(got.map((m) => m.id)).size).toBe(got.length); // nothing twice
  // Their own, the creator's and the moderator's: all of them.
  for (const text of ['own-0', 'own-1', 'own-2', 'host-0', 'host-1', 'mod-0', 'mod-1', 'END']) expect(texts).toContain(text);
  // Others' (60 sent): at most the budget over the time the test took, plus one burst.
  const others = got.filter((m) => m.userId.startsWith('s')).length;
  const bound = Math.floor(PER_S * seconds + PER_S);
  expect(others).toBeLessThanOrEqual(bound);
  if (bound < 60) expect(others).toBeLessThan(60);
  // A sender sampled out of the room's batch still sees every message they sent.
  const s0 = received(senders[0]!, roomId).map((m) => m.text);
  for (let k = 0; k < 12; k++) expect(s0).toContain(`s0-${k}`);
  expect(new Set(received(senders[0]!, roomId).map((m) => m.id)).size).toBe(s0.length);
});

it('below the room size, every message reaches every viewer', async () => {
  const node = t.add(
    await startNode({
      CHAT_VIEWER_BUDGET_PER_S: String(PER_S),
      CHAT_BUDGET_MIN_VIEWERS: '6',
      CHAT_RATE_BURST: '1000',
      CHAT_RATE_PER_MIN: '60000',
    }),
  );
  const { roomId } = await liveRoom(node.url);
  const watcher = await client(node.url, 'watcher');
  const sender = await client(node.url, 'sender');
  await watcher.join(roomId);
  await sender.join(roomId); // 2 connections (the creator is not connected)
  for (let k = 0; k < 30; k++) await say(sender, roomId, `m${k}`);
  await watcher.until('the last message arrived', () => received(watcher, roomId).some((m) => m.text === 'm29'));
  expect(received(watcher, roomId).map((m) => m.text)).toEqual(Array.from({ length: 30 }, (_, k) => `m${k}`));
});
