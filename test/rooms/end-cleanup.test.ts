import { expect, it } from 'vitest';
import { api, call, ok } from '../../harness/clients.ts';
import { inspector } from '../../harness/commerce.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('ending a room tells viewers on every node, stops its live state there, and leaves its chat readable for a while', async () => {
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '50' });
  const { prefix } = a;
  const redis = t.add(inspector());
  const { roomId, creator } = await liveRoom(a.url);
  const host = t.add(await LiveClient.connect(a.url, creator));
  const viewer = t.add(await LiveClient.connect(b.url, await tokenFor(b.url, 'v1')));
  await host.join(roomId);
  await viewer.join(roomId);
  ok(await call(viewer.socket, 'chat:send', { roomId, text: 'bye' }));
  ok(await call(viewer.socket, 'like:tap', { roomId, count: 3 }));
  ok(await call(host.socket, 'mod:mute', { roomId, userId: 'troll', durationS: 60 }));
  // The viewer (on node B); the creator (host) is not a viewer.
  await host.until('counts settle', (s) => s.stats.viewers === 1 && s.stats.likes === 3);
  // The room's count, and the viewer's node's share of it (the host is the creator, not counted: its node has none).
  const presenceKeys = async () => [
    ...(await redis.keys(`${prefix}presence:viewers:${roomId}`)),
    ...(await redis.keys(`${prefix}presence:share:*:${roomId}`)),
  ];
  expect(await presenceKeys()).toHaveLength(2);

  const disconnected = new Promise<string>((resolve) => viewer.socket.once('disconnect', resolve));
  expect((await api(a.url, 'POST', `/api/rooms/${roomId}/end`, creator, { reason: 'See you tomorrow' })).status).toBe(200);
  await viewer.until('the viewer on the other node is told', (s) => s.closed === 'See you tomorrow');
  expect(await disconnected).toBe('io server disconnect');

  // Every node dropped the room's count and its presence share, and nothing writes them again.
  await waitFor('presence gone', async () => (await presenceKeys()).length === 0);
  // A quiet window of several stats ticks (50 ms): nothing may write them again, and no event marks "nothing".
  await new Promise((r) => setTimeout(r, 200));
  expect(await presenceKeys()).toEqual([]);
  // History, likes and moderation state stay for a week, then Redis drops them.
  for (const key of [`chat:history:${roomId}`, `likes:${roomId}`, `mod:mutes:${roomId}`]) {
    const ttl = await redis.ttl(`${prefix}${key}`);
    expect(ttl, key).toBeGreaterThan(6 * 24 * 3600);
    expect(ttl, key).toBeLessThanOrEqual(7 * 24 * 3600);
  }
});
