import { expect, it } from 'vitest';
import type { RoomStats } from '@hawker/protocol';
import { call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function socket(url: string, userId: string, role: 'viewer' | 'moderator' = 'viewer', agencyId?: string): Promise<ClientSocket> {
  return t.add(await connect(url, await tokenFor(url, userId, role, agencyId)));
}

/** Every `room:stats` `s` receives for `roomId`, with its arrival time. */
function recordStats(s: ClientSocket, roomId: string): { at: number; stats: RoomStats }[] {
  const seen: { at: number; stats: RoomStats }[] = [];
  s.on('room:stats', (stats) => {
    if (stats.roomId === roomId) seen.push({ at: Date.now(), stats });
  });
  return seen;
}

it('a console on a node where the room has no viewer gets its stats as viewers join and leave on another node', async () => {
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '100' });
  const { roomId } = await liveRoom(a.url, { agencyId: 'ag1' });
  const agencyConsole = await socket(b.url, 'mod1', 'moderator', 'ag1');
  const pushes = recordStats(agencyConsole, roomId);
  const watched = ok(await call(agencyConsole, 'console:watch', { agencyId: 'ag1' }));
  expect(watched.rooms.map((r) => r.stats)).toEqual([{ roomId, viewers: 0, likes: 0 }]);
  const latest = () => pushes.at(-1)?.stats;

  // Viewers only on node A.
  const v1 = await socket(a.url, 'v1');
  const v2 = await socket(a.url, 'v2');
  ok(await call(v1, 'room:join', { roomId }));
  ok(await call(v2, 'room:join', { roomId }));
  await waitFor('the console sees both viewers', () => latest()?.viewers === 2);
  ok(await call(v1, 'like:tap', { roomId, count: 4 }));
  await waitFor('the console sees the likes', () => latest()?.likes === 4);
  ok(await call(v1, 'room:leave', { roomId }));
  await waitFor('the console sees v1 leave', () => latest()?.viewers === 1);
  v2.disconnect();
  await waitFor('the console sees v2 go', () => latest()?.viewers === 0);
  expect(latest()).toEqual({ roomId, viewers: 0, likes: 4 });
});

it('every watcher, on either node, gets at most one room:stats per tick however many nodes serve the room', async () => {
  const tickMs = 100;
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: String(tickMs) });
  const { roomId } = await liveRoom(a.url, { agencyId: 'ag2' });
  const agencyConsole = await socket(b.url, 'mod2', 'moderator', 'ag2');
  ok(await call(agencyConsole, 'console:watch', { agencyId: 'ag2' }));
  const onA = await socket(a.url, 'tapperA');
  const onB = await socket(b.url, 'tapperB');
  ok(await call(onA, 'room:join', { roomId }));
  ok(await call(onB, 'room:join', { roomId }));
  await waitFor(
    'both viewers broadcast',
    async () => ok(await call(agencyConsole, 'console:watch', { agencyId: 'ag2' })).rooms[0]?.stats.viewers === 2,
  );
  const consolePushes = recordStats(agencyConsole, roomId);
  const viewerPushes = recordStats(onA, roomId);

  // Both nodes move the room's like total on every tick for 1.5 s: if each node broadcast what it saw, every watcher
  // would get about two packets per tick.
  const started = Date.now();
  let taps = 0;
  while (Date.now() - started < 1_500) {
    const acks = await Promise.all([call(onA, 'like:tap', { roomId, count: 1 }), call(onB, 'like:tap', { roomId, count: 1 })]);
    taps += acks.map((ack) => (ok(ack) as { accepted: number }).accepted).reduce((x, y) => x + y, 0);
    await new Promise((r) => setTimeout(r, 40)); // pacing the taps: a steady load across ticks, not a wait
  }
  expect(taps).toBeGreaterThan(40);
  for (const pushes of [consolePushes, viewerPushes]) {
    await waitFor('the final total to arrive', () => pushes.at(-1)?.stats.likes === taps);
    expect(pushes.at(-1)!.stats).toEqual({ roomId, viewers: 2, likes: taps });
    const windowMs = pushes.at(-1)!.at - started;
    // One claim holder, one packet per tick (plus slack for the ticks at both ends of the window).
    expect(pushes.length).toBeLessThanOrEqual(Math.ceil(windowMs / tickMs) + 2);
    expect(pushes.length).toBeGreaterThan(3); // and the total moved in steps, tick by tick, not once at the end
  }
});
