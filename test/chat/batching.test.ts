import { expect, it } from 'vitest';
import { compareMessageIds, type ChatBatch } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a burst of messages from many senders reaches a viewer as a few batches, complete and in id order', async () => {
  const node = t.add(await startNode({ ROOM_TICK_MS: '250' }));
  const { roomId } = await liveRoom(node.url);
  const watcher = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'watcher')));
  await watcher.join(roomId);
  const senders = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => t.add(await LiveClient.connect(node.url, await tokenFor(node.url, `s${i}`)))),
  );
  for (const s of senders) await s.join(roomId);

  const acks = await Promise.all(senders.map((s, i) => call(s.socket, 'chat:send', { roomId, text: `msg ${i}` })));
  const ids = acks.map((a) => (ok(a) as { id: string }).id);
  await watcher.until('all 30 messages shown', (s) => s.chat.length === 30);
  const batches = watcher.pushes.filter((p) => p.event === 'chat:batch').map((p) => p.payload as ChatBatch);
  expect(batches.flatMap((b) => b.messages.map((m) => m.id)).sort(compareMessageIds)).toEqual([...ids].sort(compareMessageIds));
  expect(batches.length).toBeLessThanOrEqual(5); // 30 messages, a handful of packets
  for (const b of batches) {
    const inBatch = b.messages.map((m) => m.id);
    expect(inBatch).toEqual([...inBatch].sort(compareMessageIds));
  }
});
