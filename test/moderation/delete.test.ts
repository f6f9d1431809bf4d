import { expect, it } from 'vitest';
import type { ChatMessage } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { hostAndViewer, LiveClient, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a deleted message disappears from every screen and from history; deleting again or an unknown id is harmless', async () => {
  const node = t.add(await startNode());
  const { roomId, host, viewer } = await hostAndViewer(t, node.url);
  const bad = ok(await call(viewer.socket, 'chat:send', { roomId, text: 'rude' })) as ChatMessage;
  const good = ok(await call(viewer.socket, 'chat:send', { roomId, text: 'nice' })) as ChatMessage;
  await host.until('host sees both', (s) => s.chat.length === 2);

  expect(ok(await call(host.socket, 'mod:delete', { roomId, messageId: bad.id }))).toEqual({ removedFromHistory: true });
  await viewer.until('gone for the viewer too', (s) => s.chat.map((m) => m.id).join() === good.id);
  await host.until('gone for the host', (s) => s.chat.map((m) => m.id).join() === good.id);
  const late = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'late')));
  expect((await late.join(roomId)).chat).toEqual([good]);

  expect(ok(await call(host.socket, 'mod:delete', { roomId, messageId: bad.id }))).toEqual({ removedFromHistory: false });
  expect(ok(await call(host.socket, 'mod:delete', { roomId, messageId: '1-0' }))).toEqual({ removedFromHistory: false });
  expect(await call(host.socket, 'mod:delete', { roomId, messageId: 'not-an-id' })).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST' },
  });
  expect(await call(viewer.socket, 'mod:delete', { roomId, messageId: good.id })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
  expect((await late.join(roomId)).chat).toEqual([good]);
});

it('a message deleted before its batch went out is never broadcast', async () => {
  // A long tick keeps the message in the sender node's buffer while the moderator deletes it.
  const node = t.add(await startNode({ ROOM_TICK_MS: '1500' }));
  const { roomId, host, viewer } = await hostAndViewer(t, node.url);
  const doomed = ok(await call(viewer.socket, 'chat:send', { roomId, text: 'deleted at once' })) as ChatMessage;
  const kept = ok(await call(viewer.socket, 'chat:send', { roomId, text: 'kept' })) as ChatMessage;
  ok(await call(host.socket, 'mod:delete', { roomId, messageId: doomed.id }));
  await host.until('the batch arrives', (s) => s.chat.some((m) => m.id === kept.id), 5_000);
  const broadcast = host.pushes
    .filter((p) => p.event === 'chat:batch')
    .flatMap((p) => (p.payload as { messages: ChatMessage[] }).messages.map((m) => m.id));
  expect(broadcast).toEqual([kept.id]);
});
