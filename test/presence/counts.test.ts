import { expect, it } from 'vitest';
import { call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode, twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function viewer(url: string, userId: string): Promise<LiveClient> {
  return t.add(await LiveClient.connect(url, await tokenFor(url, userId)));
}

it('counts distinct users: a second connection of the same user does not count twice; leaving and disconnecting do', async () => {
  const node = t.add(await startNode({ STATS_TICK_MS: '50' }));
  const { roomId } = await liveRoom(node.url);
  const watcher = await viewer(node.url, 'watcher');
  expect((await watcher.join(roomId)).stats).toEqual({ roomId, viewers: 1, likes: 0 });

  const alice1 = await viewer(node.url, 'alice');
  const alice2 = await viewer(node.url, 'alice');
  expect((await alice1.join(roomId)).stats.viewers).toBe(2);
  expect((await alice2.join(roomId)).stats.viewers).toBe(2);
  await watcher.until('two viewers', (s) => s.stats.viewers === 2);

  ok(await call(alice1.socket, 'room:leave', { roomId }));
  alice2.close();
  await watcher.until('alice gone', (s) => s.stats.viewers === 1);
});

it('pushes counts only when they change, never one packet per join', async () => {
  const node = t.add(await startNode({ STATS_TICK_MS: '50' }));
  const { roomId } = await liveRoom(node.url);
  const watcher = await viewer(node.url, 'watcher');
  await watcher.join(roomId);
  const joiners = await Promise.all(Array.from({ length: 20 }, (_, i) => viewer(node.url, `v${i}`)));
  await Promise.all(joiners.map((j) => j.join(roomId)));
  await watcher.until('21 viewers', (s) => s.stats.viewers === 21);
  const statsPushes = () => watcher.pushes.filter((p) => p.event === 'room:stats').length;
  expect(statsPushes()).toBeLessThan(20);
  // Nothing changes for several stats ticks: nothing is pushed. A quiet window of 8 ticks (50 ms), not a wait for an
  // event: the absence of pushes is the thing checked.
  const settled = statsPushes();
  await new Promise((r) => setTimeout(r, 400));
  expect(statsPushes()).toBe(settled);
});

it('a node that closes gracefully drops out of the counts at once, long before its presence TTL', async () => {
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '50', PRESENCE_TTL_MS: '120000' });
  const { roomId } = await liveRoom(a.url);
  const onA = await viewer(a.url, 'alice');
  const onB = await viewer(b.url, 'bob');
  await onA.join(roomId);
  await onB.join(roomId);
  await onA.until('both counted', (s) => s.stats.viewers === 2);
  await b.close();
  await onA.until("bob's node gone", (s) => s.stats.viewers === 1, 5_000);
});
