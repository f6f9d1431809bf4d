import { expect, it } from 'vitest';
import type { ChatMessage } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a message reaches every viewer in a batch, is cleaned of control characters, and is replayed to later joiners', async () => {
  const node = t.add(await startNode());
  const { roomId } = await liveRoom(node.url);
  const alice = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'alice')));
  const bob = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'bob')));
  await alice.join(roomId);
  await bob.join(roomId);

  const sent = ok(await call(alice.socket, 'chat:send', { roomId, text: '  hello\u0000\u0007 world\u202e  ' })) as ChatMessage;
  expect(sent).toMatchObject({ roomId, userId: 'alice', name: 'alice', role: 'viewer', text: 'hello world' });
  await bob.until('bob sees the message', (s) => s.chat.some((m) => m.id === sent.id));
  expect(bob.state!.chat.find((m) => m.id === sent.id)).toEqual(sent);
  const batch = bob.pushes.find((p) => p.event === 'chat:batch');
  expect(batch?.payload).toEqual({ roomId, messages: [sent] });

  const carol = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'carol')));
  const snap = await carol.join(roomId);
  expect(snap.chat).toEqual([sent]);
});

it('only the last CHAT_HISTORY messages are kept and replayed, oldest first', async () => {
  const node = t.add(await startNode({ CHAT_HISTORY: '10', CHAT_RATE_BURST: '100' }));
  const { roomId } = await liveRoom(node.url);
  const alice = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'alice'), { historyLimit: 10 }));
  await alice.join(roomId);
  for (let i = 0; i < 25; i++) ok(await call(alice.socket, 'chat:send', { roomId, text: `m${i}` }));
  const late = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'late'), { historyLimit: 10 }));
  const snap = await late.join(roomId);
  expect(snap.chat.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 15}`));
  await alice.until('alice has the last 10', (s) => s.chat.at(-1)?.text === 'm24');
  expect(alice.texts()).toEqual(snap.chat.map((m) => m.text));
});

it('refuses chat from a socket that has not joined the room, and empty or oversized text, changing nothing', async () => {
  const node = t.add(await startNode());
  const { roomId } = await liveRoom(node.url);
  const alice = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'alice')));
  expect(await call(alice.socket, 'chat:send', { roomId, text: 'not joined' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  await alice.join(roomId);
  expect(await call(alice.socket, 'chat:send', { roomId, text: '\u0000\u0001   ' })).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST' },
  });
  expect(await call(alice.socket, 'chat:send', { roomId, text: 'x'.repeat(201) })).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST' },
  });
  expect(await call(alice.socket, 'chat:send', { roomId, text: 'x'.repeat(200) })).toMatchObject({ ok: true });
  const again = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'bob')));
  expect((await again.join(roomId)).chat.map((m) => m.text)).toEqual(['x'.repeat(200)]);
});
