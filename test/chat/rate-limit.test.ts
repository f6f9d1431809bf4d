import { expect, it } from 'vitest';
import { call } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** Chat settings letting each user send `burst` messages, then one a minute. */
const rateLimit = (burst: number) => ({ CHAT_RATE_BURST: String(burst), CHAT_RATE_PER_MIN: '1' });

it("the per-user chat rate limit holds across nodes and across the user's connections; other users are unaffected", async () => {
  const [a, b] = await twoNodes(t, rateLimit(3));
  const { roomId } = await liveRoom(a.url);
  const token = await tokenFor(a.url, 'chatty');
  const onA = t.add(await LiveClient.connect(a.url, token));
  const onB = t.add(await LiveClient.connect(b.url, token));
  const other = t.add(await LiveClient.connect(b.url, await tokenFor(b.url, 'calm')));
  for (const c of [onA, onB, other]) await c.join(roomId);

  expect(await call(onA.socket, 'chat:send', { roomId, text: '1' })).toMatchObject({ ok: true });
  expect(await call(onB.socket, 'chat:send', { roomId, text: '2' })).toMatchObject({ ok: true });
  expect(await call(onA.socket, 'chat:send', { roomId, text: '3' })).toMatchObject({ ok: true });
  const refused = await call(onB.socket, 'chat:send', { roomId, text: '4' });
  expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  const retry = (refused as { error: { details: { retryAfterMs: number } } }).error.details.retryAfterMs;
  expect(retry).toBeGreaterThan(1_000); // one message per minute refills
  expect(retry).toBeLessThanOrEqual(60_000);
  expect(await call(other.socket, 'chat:send', { roomId, text: 'me too' })).toMatchObject({ ok: true });

  // The refused message is nowhere.
  const late = t.add(await LiveClient.connect(a.url, await tokenFor(a.url, 'late')));
  expect((await late.join(roomId)).chat.map((m) => m.text)).toEqual(['1', '2', '3', 'me too']);
});

it('under a concurrent burst from one user on two nodes, exactly CHAT_RATE_BURST messages get through', async () => {
  const [a, b] = await twoNodes(t, rateLimit(5));
  const { roomId } = await liveRoom(a.url);
  const token = await tokenFor(a.url, 'flood');
  const conns = await Promise.all([a, b, a, b].map(async (n) => t.add(await LiveClient.connect(n.url, token))));
  for (const c of conns) await c.join(roomId);
  const acks = await Promise.all(
    conns.flatMap((c, i) => Array.from({ length: 10 }, (_, j) => call(c.socket, 'chat:send', { roomId, text: `${i}-${j}` }))),
  );
  expect(acks.filter((x) => x.ok)).toHaveLength(5);
  expect(acks.filter((x) => !x.ok && x.error.code === 'RATE_LIMITED')).toHaveLength(35);
  const late = t.add(await LiveClient.connect(b.url, await tokenFor(b.url, 'late')));
  expect((await late.join(roomId)).chat).toHaveLength(5);
});
