import { expect, it } from 'vitest';
import type { ChatMessage } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function client(url: string, userId: string, role: 'viewer' | 'creator' | 'moderator' = 'viewer', agencyId?: string) {
  return t.add(await LiveClient.connect(url, await tokenFor(url, userId, role, agencyId)));
}

it('two nodes sharing one Redis serve one room: chat, deletes, likes, counts and moderation reach viewers on both', async () => {
  // Same REDIS_KEY_PREFIX on both: one deployment, two processes (as behind a load balancer).
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '100' });
  const { roomId } = await liveRoom(a.url, { agencyId: 'ag1' });

  const onA = await client(a.url, 'viewerA');
  const onB = await client(b.url, 'viewerB');
  const creatorOnB = await client(b.url, 'creator1', 'creator', 'ag1');
  await onA.join(roomId);
  await onB.join(roomId);
  await creatorOnB.join(roomId);

  // Chat sent on B reaches A.
  const fromB = ok(await call(onB.socket, 'chat:send', { roomId, text: 'hello from B' })) as ChatMessage;
  await onA.until("A sees B's message", (s) => s.chat.some((m) => m.id === fromB.id));
  const fromA = ok(await call(onA.socket, 'chat:send', { roomId, text: 'hello from A' })) as ChatMessage;
  await onB.until("B sees A's message", (s) => s.chat.some((m) => m.id === fromA.id));

  // A delete issued on node B removes the message on A and from history.
  expect(ok(await call(creatorOnB.socket, 'mod:delete', { roomId, messageId: fromB.id }))).toEqual({ removedFromHistory: true });
  await onA.until('A no longer shows the deleted message', (s) => !s.chat.some((m) => m.id === fromB.id));
  const fresh = await client(a.url, 'latecomer');
  expect((await fresh.join(roomId)).chat.map((m) => m.id)).toEqual([fromA.id]);

  // Both nodes report the same counts: 4 distinct users (3 + the latecomer), likes from both nodes summed.
  ok(await call(onA.socket, 'like:tap', { roomId, count: 7 }));
  ok(await call(onB.socket, 'like:tap', { roomId, count: 5 }));
  for (const c of [onA, onB, fresh, creatorOnB]) {
    // onA, onB and fresh; the creator is not a viewer.
    await c.until('counts converge', (s) => s.stats.viewers === 3 && s.stats.likes === 12);
  }

  // Moderation on A reaches B: a mute issued on A blocks B's viewer, who is told; a ban on A removes them from B.
  const creatorOnA = await client(a.url, 'creator1', 'creator', 'ag1');
  ok(await call(creatorOnA.socket, 'mod:mute', { roomId, userId: 'viewerB', durationS: 60 }));
  await onB.until('B learns it is muted', (s) => s.mutedUntil !== null);
  expect(await call(onB.socket, 'chat:send', { roomId, text: 'still here?' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  ok(await call(creatorOnA.socket, 'mod:ban', { roomId, userId: 'viewerB', reason: 'spam' }));
  await onB.until('B is removed from the room', (s) => s.closed === 'spam');
  expect(await call(onB.socket, 'room:join', { roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  for (const c of [onA, fresh]) await c.until('the banned viewer no longer counts', (s) => s.stats.viewers === 2);

  // Both nodes read the same audit log.
  const audit = await api<{ entries: { action: string }[] }>(
    b.url,
    'GET',
    `/api/rooms/${roomId}/audit`,
    await tokenFor(b.url, 'creator1', 'creator', 'ag1'),
  );
  expect(audit.body.entries.map((e) => e.action)).toEqual(['user.ban', 'user.mute', 'chat.delete']);
});
