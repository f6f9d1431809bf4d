import { expect, it } from 'vitest';
import { api, call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** A live client on the node at `url`, closed after the test. */
async function client(url: string, token: string) {
  return t.add(await LiveClient.connect(url, token));
}

it('a room ban removes every connection of the user from the room, refuses their joins and chat, and can be lifted', async () => {
  const node = t.add(await startNode({ STATS_TICK_MS: '50' }));
  const { roomId, creator } = await liveRoom(node.url);
  const host = await client(node.url, creator);
  const trollToken = await tokenFor(node.url, 'troll');
  const phone = await client(node.url, trollToken);
  const laptop = await client(node.url, trollToken);
  for (const c of [host, phone, laptop]) await c.join(roomId);
  // The troll counts once however many connections; the creator is not a viewer.
  await host.until('one viewer', (s) => s.stats.viewers === 1);

  ok(await call(host.socket, 'mod:ban', { roomId, userId: 'troll', reason: 'Spamming links' }));
  for (const c of [phone, laptop]) await c.until('removed', (s) => s.closed === 'Spamming links');
  expect(phone.pushes.find((p) => p.event === 'room:kicked')?.payload).toEqual({ roomId, reason: 'Spamming links' });
  await host.until('the troll no longer counts', (s) => s.stats.viewers === 0);
  expect(await call(phone.socket, 'chat:send', { roomId, text: 'let me in' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(phone.socket, 'room:join', { roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(phone.socket.connected).toBe(true); // removed from the room, not from the server

  const state = await api<{ bans: string[] }>(node.url, 'GET', `/api/rooms/${roomId}/moderation`, creator);
  expect(state.body.bans).toEqual(['troll']);
  expect(await call(host.socket, 'mod:ban', { roomId, userId: 'creator1' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

  ok(await call(host.socket, 'mod:unban', { roomId, userId: 'troll' }));
  await phone.join(roomId);
  expect(await call(phone.socket, 'chat:send', { roomId, text: 'sorry' })).toMatchObject({ ok: true });
});

it("a ban deletes the user's messages for everyone, on screens and in history, and only theirs", async () => {
  const node = t.add(await startNode({ CHAT_RATE_BURST: '20' }));
  const { roomId, creator } = await liveRoom(node.url);
  const host = await client(node.url, creator);
  const troll = await client(node.url, await tokenFor(node.url, 'troll'));
  const witness = await client(node.url, await tokenFor(node.url, 'witness'));
  for (const c of [host, troll, witness]) await c.join(roomId);
  for (const text of ['spam 1', 'spam 2']) ok(await call(troll.socket, 'chat:send', { roomId, text }));
  ok(await call(witness.socket, 'chat:send', { roomId, text: 'hello' }));
  await witness.until('every message on screen', (s) => s.chat.length === 3);

  ok(await call(host.socket, 'mod:ban', { roomId, userId: 'troll' }));
  await witness.until("the troll's messages gone from the screen", (s) => s.chat.map((m) => m.text).join() === 'hello');
  await host.until('and from the staff screen', (s) => s.chat.map((m) => m.text).join() === 'hello');
  const late = await client(node.url, await tokenFor(node.url, 'late'));
  expect((await late.join(roomId)).chat.map((m) => m.text)).toEqual(['hello']);
});

it("an agency ban removes the user from every room of the agency's creators, now and later, and from no other room", async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' });
  const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  for (const c of ['c1', 'c2', 'c3']) await api(node.url, 'PUT', `/api/agencies/ag1/creators/${c}`, owner);
  await api(node.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner);
  const r1 = await liveRoom(node.url, { creatorId: 'c1' });
  const r2 = await liveRoom(node.url, { creatorId: 'c2' });
  const indie = await liveRoom(node.url, { creatorId: 'indie' });

  const troll = await client(node.url, await tokenFor(node.url, 'troll'));
  for (const r of [r1, r2, indie]) await troll.join(r.roomId);
  const moderator = await client(node.url, await tokenFor(node.url, 'mod1', 'moderator', 'ag1'));
  ok(await call(moderator.socket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll', reason: 'Banned agency-wide' }));

  await waitKicks(troll, [r1.roomId, r2.roomId]);
  expect(await call(troll.socket, 'chat:send', { roomId: indie.roomId, text: 'still here' })).toMatchObject({ ok: true });
  expect(await call(troll.socket, 'room:join', { roomId: r1.roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  // A room the agency's creator starts later refuses them too.
  const r3 = await liveRoom(node.url, { creatorId: 'c3' });
  expect(await call(troll.socket, 'room:join', { roomId: r3.roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  const state = await api<{ bans: string[] }>(node.url, 'GET', '/api/agencies/ag1/moderation', owner);
  expect(state.body.bans).toEqual(['troll']);

  ok(await call(moderator.socket, 'mod:agencyUnban', { agencyId: 'ag1', userId: 'troll' }));
  expect(await call(troll.socket, 'room:join', { roomId: r3.roomId })).toMatchObject({ ok: true });
});

async function waitKicks(c: LiveClient, roomIds: string[]) {
  await waitFor('kicked from the agency rooms', () => {
    const kicked = c.pushes.filter((p) => p.event === 'room:kicked').map((p) => (p.payload as { roomId: string }).roomId);
    return roomIds.every((r) => kicked.includes(r)) && kicked.length === roomIds.length;
  });
}

it("a ban issued while the user's connection is cut takes effect when that connection is recovered", async () => {
  const node = t.add(await startNode({ STATS_TICK_MS: '50' }));
  const { roomId, creator } = await liveRoom(node.url);
  const host = await client(node.url, creator);
  const troll = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'troll'), { reconnection: true }));
  await host.join(roomId);
  await troll.join(roomId);
  // The troll counts once however many connections; the creator is not a viewer.
  await host.until('one viewer', (s) => s.stats.viewers === 1);
  // Recovery resumes from the last broadcast the client received: make sure there is one.
  ok(await call(host.socket, 'chat:send', { roomId, text: 'welcome' }));
  await troll.until('got a broadcast', (s) => s.chat.length === 1);

  const reconnected = new Promise<void>((resolve) => troll.socket.io.once('reconnect', () => resolve()));
  troll.socket.io.engine.close();
  await host.until('the troll is gone while cut', (s) => s.stats.viewers === 0);
  ok(await call(host.socket, 'mod:ban', { roomId, userId: 'troll', reason: 'Banned while away' }));
  await reconnected;
  await waitFor('connected', () => troll.socket.connected);
  expect(troll.socket.recovered).toBe(true);
  await troll.until('told on recovery', (s) => s.closed === 'You are banned from this room');
  expect(await call(troll.socket, 'chat:send', { roomId, text: 'back!' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(troll.socket, 'like:tap', { roomId, count: 1 })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN', message: expect.stringMatching(/Join the room/) },
  });
  // Not counted. A witness joins: its join writes this node's share of the room with every pending change (a troll
  // wrongly back in the room would be one of them), and the next stats push follows. The witness alone: 1, not 2 (the
  // creator, the host, is not a viewer).
  const witness = await client(node.url, await tokenFor(node.url, 'witness'));
  expect((await witness.join(roomId)).stats.viewers).toBe(1);
  await host.until('the witness counted', (s) => s.stats.viewers >= 1);
  expect(host.state!.stats.viewers).toBe(1);
});
