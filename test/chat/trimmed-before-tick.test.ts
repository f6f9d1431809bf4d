import { expect, it } from 'vitest';
import type { ChatBatch, ChatMessage } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { randomPrefix, startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function joined(url: string, userId: string, roomId: string): Promise<LiveClient> {
  const c = t.add(await LiveClient.connect(url, await tokenFor(url, userId)));
  await c.join(roomId);
  return c;
}

// Found by the chat fan-out benchmark (bench/chat.ts): a node whose tick ran late while the room's history moved on
// by more than CHAT_HISTORY took its whole pending batch for deleted and broadcast none of it; under sustained load
// every tick was late and chat stopped altogether.
it("messages still waiting for their node's tick are broadcast even if newer chat has pushed them out of history", async () => {
  // One deployment, two nodes: A ticks slowly, B accepts enough chat meanwhile to trim A's pending messages.
  const prefix = randomPrefix();
  const a = t.add(
    await startNode({ REDIS_KEY_PREFIX: prefix, CHAT_HISTORY: '10', ROOM_TICK_MS: '2000', STATS_TICK_MS: '2000', CHAT_RATE_BURST: '50' }),
  );
  const b = t.add(await startNode({ REDIS_KEY_PREFIX: prefix, CHAT_HISTORY: '10', CHAT_RATE_BURST: '50' }));
  const { roomId } = await liveRoom(a.url);
  const onA = await joined(a.url, 'senderA', roomId);
  const onB = await joined(b.url, 'senderB', roomId);
  const watcher = await joined(b.url, 'watcher', roomId);

  // A's batch arriving marks A's tick: the next one is two seconds away.
  const first = ok(await call(onA.socket, 'chat:send', { roomId, text: 'tick marker' })) as ChatMessage;
  await watcher.until('the marker from A', (s) => s.chat.some((m) => m.id === first.id));
  const fromA = await Promise.all(
    [1, 2, 3].map(async (i) => ok(await call(onA.socket, 'chat:send', { roomId, text: `from A ${i}` })) as ChatMessage),
  );
  for (let i = 0; i < 12; i++) ok(await call(onB.socket, 'chat:send', { roomId, text: `from B ${i}` }));

  // A's three are no longer in history (12 newer messages, history keeps 10), yet every viewer gets them.
  const batches = () =>
    watcher.pushes.filter((p) => p.event === 'chat:batch').flatMap((p) => (p.payload as ChatBatch).messages.map((m) => m.id));
  await watcher.until("A's pending messages", () => fromA.every((m) => batches().includes(m.id)), 6_000);
  expect(fromA.map((m) => batches().filter((id) => id === m.id).length)).toEqual([1, 1, 1]);
});
