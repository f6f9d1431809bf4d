import { expect, it } from 'vitest';
import type { ChatBatch, ChatMessage, ConsoleRevoked } from '@hawker/protocol';
import { api, call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** Every push of `event` the socket receives, with when it arrived (performance.now()). */
function record<P>(socket: ClientSocket, event: string): { payload: P; at: number }[] {
  const seen: { payload: P; at: number }[] = [];
  (socket as unknown as { on(e: string, l: (p: P) => void): void }).on(event, (payload) => seen.push({ payload, at: performance.now() }));
  return seen;
}

/** Chat texts a socket received in `chat:batch` pushes. */
function chatTexts(socket: ClientSocket): string[] {
  const texts: string[] = [];
  socket.on('chat:batch', (b: ChatBatch) => texts.push(...b.messages.map((m) => m.text)));
  return texts;
}

it('a moderator removed from the roster on node A loses, within 1 s, the console and media session they hold open on node B', async () => {
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '100' });
  const admin = await tokenFor(a.url, 'root', 'admin');
  expect((await api(a.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' })).status).toBe(201);
  const owner = await tokenFor(a.url, 'owner1', 'agency', 'ag1');
  expect((await api(a.url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  expect((await api(a.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  const room = t.add(await liveRoom(a.url, { agencyId: 'ag1', creatorId: 'c1' }));
  const host = await room.joinCreator();
  // A viewer on node B: the witness that a room push reached B's sockets.
  const witness = t.add(await connect(b.url, await tokenFor(b.url, 'witness')));
  const witnessChat = chatTexts(witness);
  ok(await call(witness, 'room:join', { roomId: room.roomId }));

  // The moderator's console and one thumbnail's media session, both on node B.
  const modToken = await tokenFor(b.url, 'mod1', 'moderator', 'ag1');
  const consoleSocket = t.add(await connect(b.url, modToken));
  const mediaSocket = t.add(await connect(b.url, modToken));
  const consoleChat = chatTexts(consoleSocket);
  const revokedOnConsole = record<ConsoleRevoked>(consoleSocket, 'console:revoked');
  const revokedOnMedia = record<ConsoleRevoked>(mediaSocket, 'console:revoked');
  expect(ok(await call(consoleSocket, 'console:watch', { agencyId: 'ag1' })).rooms.map((s) => s.room.id)).toEqual([room.roomId]);
  expect(ok(await call(mediaSocket, 'console:media', { roomId: room.roomId }))).toEqual({ roomId: room.roomId });
  ok(await call(mediaSocket, 'media:capabilities', { roomId: room.roomId }));
  // Before: the console receives the room's chat.
  ok(await call(host, 'chat:send', { roomId: room.roomId, text: 'before' }));
  await waitFor('the console sees the chat', () => consoleChat.includes('before'));

  const removed = await api<{ changed: boolean }>(a.url, 'DELETE', '/api/agencies/ag1/moderators/mod1', owner);
  const answeredAt = performance.now();
  expect(removed.status).toBe(200);
  expect(removed.body.changed).toBe(true);

  // Generous wait (a loaded machine), strict bound: each push arrived within 1 s of the removal's answer.
  await waitFor('both connections told', () => revokedOnConsole.length > 0 && revokedOnMedia.length > 0);
  for (const { at } of [revokedOnConsole[0]!, revokedOnMedia[0]!]) expect(at - answeredAt).toBeLessThan(1_000);
  expect(revokedOnConsole[0]!.payload).toMatchObject({ agencyId: 'ag1', roomIds: [room.roomId], reason: 'roster' });
  expect(revokedOnMedia[0]!.payload).toMatchObject({ agencyId: 'ag1', roomIds: [room.roomId], reason: 'roster' });

  // No more room pushes: the witness on the same node gets the next message; the console, by then, would have too.
  ok(await call(host, 'chat:send', { roomId: room.roomId, text: 'after' }));
  await waitFor('the witness sees the chat', () => witnessChat.includes('after'));
  expect(consoleChat).not.toContain('after');

  // Further actions on both connections are refused, though they stay connected.
  const forbidden = { ok: false, error: { code: 'FORBIDDEN' } };
  expect(await call(consoleSocket, 'console:watch', { agencyId: 'ag1' })).toMatchObject(forbidden);
  expect(await call(consoleSocket, 'mod:mute', { roomId: room.roomId, userId: 'witness', durationS: 60 })).toMatchObject(forbidden);
  const sent = ok(await call(host, 'chat:send', { roomId: room.roomId, text: 'keep me' })) as ChatMessage;
  expect(await call(consoleSocket, 'mod:delete', { roomId: room.roomId, messageId: sent.id })).toMatchObject(forbidden);
  expect(await call(consoleSocket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'witness' })).toMatchObject(forbidden);
  expect(await call(mediaSocket, 'media:capabilities', { roomId: room.roomId })).toMatchObject(forbidden);
  expect(await call(mediaSocket, 'media:createTransport', { roomId: room.roomId, direction: 'recv' })).toMatchObject(forbidden);
  expect(await call(mediaSocket, 'console:media', { roomId: room.roomId })).toMatchObject(forbidden);
  expect(consoleSocket.connected && mediaSocket.connected).toBe(true);

  // The principal is recomputed, not frozen: added back, the same connection may watch again.
  expect((await api(a.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  await waitFor('watching again', async () => (await call(consoleSocket, 'console:watch', { agencyId: 'ag1' })).ok);
});
