import { expect, it } from 'vitest';
import { api, call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** A viewer's live client on the node at `url`, closed after the test. */
async function viewer(url: string, userId: string) {
  return t.add(await LiveClient.connect(url, await tokenFor(url, userId)));
}

it('room keywords: block refuses the message; shadow shows it to its sender only, in history too; variants are caught', async () => {
  const node = t.add(await startNode({ CHAT_RATE_BURST: '20' }));
  const { roomId, creator } = await liveRoom(node.url);
  const host = t.add(await LiveClient.connect(node.url, creator));
  const spammer = await viewer(node.url, 'spammer');
  const spammerPhone = await viewer(node.url, 'spammer');
  const other = await viewer(node.url, 'other');
  for (const c of [host, spammer, spammerPhone, other]) await c.join(roomId);

  const list = ok(
    await call(host.socket, 'mod:roomKeywords', {
      roomId,
      add: [
        { word: 'BadWord', mode: 'block' },
        { word: 'cheap  pills', mode: 'shadow' },
      ],
    }),
  );
  expect(list).toEqual({
    keywords: [
      { word: 'badword', mode: 'block' },
      { word: 'cheap pills', mode: 'shadow' },
    ],
  });

  // Full-width letters and case are normalised before matching.
  expect(await call(spammer.socket, 'chat:send', { roomId, text: 'what a ＢＡＤword' })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
  const shadowed = ok(await call(spammer.socket, 'chat:send', { roomId, text: 'Buy CHEAP pills here' })) as { id: string };
  const visible = ok(await call(other.socket, 'chat:send', { roomId, text: 'hello' })) as { id: string };

  await spammer.until('the sender sees its shadowed message', (s) => s.chat.some((m) => m.id === shadowed.id));
  await spammerPhone.until('on all of their connections', (s) => s.chat.some((m) => m.id === shadowed.id));
  await other.until('others see the normal message', (s) => s.chat.some((m) => m.id === visible.id));
  await host.until('the host sees the normal message', (s) => s.chat.some((m) => m.id === visible.id));
  expect(other.state!.chat.map((m) => m.id)).not.toContain(shadowed.id);
  // Room staff (here the creator) see it too, marked; the sender's own copy is not marked.
  await host.until('staff see the shadowed message, marked', (s) => s.chat.some((m) => m.id === shadowed.id && m.shadowed === true));
  expect(spammer.state!.chat.find((m) => m.id === shadowed.id)?.shadowed).toBeUndefined();
  // History: the sender's replay has it (unmarked), staff's has it marked, everybody else's does not.
  const host2 = t.add(await LiveClient.connect(node.url, creator));
  expect((await host2.join(roomId)).chat.map((m) => [m.text, m.shadowed ?? false])).toEqual([
    ['Buy CHEAP pills here', true],
    ['hello', false],
  ]);
  const spammer2 = await viewer(node.url, 'spammer');
  expect((await spammer2.join(roomId)).chat.map((m) => m.text)).toEqual(['Buy CHEAP pills here', 'hello']);
  const third = await viewer(node.url, 'third');
  expect((await third.join(roomId)).chat.map((m) => m.text)).toEqual(['hello']);

  // Removing a word lifts it.
  ok(await call(host.socket, 'mod:roomKeywords', { roomId, remove: ['badword'] }));
  expect(await call(spammer.socket, 'chat:send', { roomId, text: 'badword is fine now' })).toMatchObject({ ok: true });
});

it("agency keywords apply to every room of the agency's creators and to no other room", async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  expect((await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' })).status).toBe(201);
  const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  for (const c of ['c1', 'c2']) expect((await api(node.url, 'PUT', `/api/agencies/ag1/creators/${c}`, owner)).status).toBe(200);
  const room1 = await liveRoom(node.url, { creatorId: 'c1' });
  const room2 = await liveRoom(node.url, { creatorId: 'c2' });
  const outside = await liveRoom(node.url, { creatorId: 'indie' });

  const ownerClient = t.add(await LiveClient.connect(node.url, owner));
  ok(await call(ownerClient.socket, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word: 'competitor', mode: 'block' }] }));
  const v = await viewer(node.url, 'v');
  for (const r of [room1, room2, outside]) await v.join(r.roomId);
  expect(await call(v.socket, 'chat:send', { roomId: room1.roomId, text: 'go to competitor' })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
  expect(await call(v.socket, 'chat:send', { roomId: room2.roomId, text: 'go to competitor' })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
  expect(await call(v.socket, 'chat:send', { roomId: outside.roomId, text: 'go to competitor' })).toMatchObject({ ok: true });
});

it('a keyword list is capped: an edit that would exceed it changes nothing', async () => {
  const node = t.add(await startNode());
  const { roomId, creator } = await liveRoom(node.url);
  const host = t.add(await LiveClient.connect(node.url, creator));
  for (let batch = 0; batch < 4; batch++) {
    const add = Array.from({ length: 50 }, (_, i) => ({ word: `w${batch}-${i}`, mode: 'block' as const }));
    ok(await call(host.socket, 'mod:roomKeywords', { roomId, add }));
  }
  const over = await call(host.socket, 'mod:roomKeywords', { roomId, add: [{ word: 'one-too-many', mode: 'block' }] });
  expect(over).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  // Replacing a word in the same edit fits.
  const swapped = ok(
    await call(host.socket, 'mod:roomKeywords', { roomId, remove: ['w0-0'], add: [{ word: 'one-too-many', mode: 'shadow' }] }),
  ) as { keywords: { word: string }[] };
  expect(swapped.keywords).toHaveLength(200);
  const state = await api<{ keywords: { word: string }[] }>(node.url, 'GET', `/api/rooms/${roomId}/moderation`, creator);
  expect(state.body.keywords).toHaveLength(200);
  expect(state.body.keywords.map((k) => k.word)).toContain('one-too-many');
  expect(state.body.keywords.map((k) => k.word)).not.toContain('w0-0');
});

it('concurrent edits never push a keyword list over its cap', async () => {
  const node = t.add(await startNode());
  const { roomId, creator } = await liveRoom(node.url);
  const editors = await Promise.all(Array.from({ length: 5 }, async () => t.add(await LiveClient.connect(node.url, creator))));
  const acks = await Promise.all(
    editors.map((e, i) =>
      call(e.socket, 'mod:roomKeywords', {
        roomId,
        add: Array.from({ length: 50 }, (_, j) => ({ word: `e${i}-${j}`, mode: 'block' as const })),
      }),
    ),
  );
  expect(acks.filter((a) => a.ok)).toHaveLength(4);
  expect(acks.filter((a) => !a.ok && a.error.code === 'CONFLICT')).toHaveLength(1);
  const state = await api<{ keywords: unknown[] }>(node.url, 'GET', `/api/rooms/${roomId}/moderation`, creator);
  expect(state.body.keywords).toHaveLength(200);
});
