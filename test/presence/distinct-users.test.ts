import type { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import type { RoomStats } from '@hawker/protocol';
import { call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { inspector } from '../../harness/commerce.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { randomPrefix, startNode, twoNodes, waitFor } from '../../harness/node.ts';
import { spawnNode } from '../../harness/nodeProcess.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function socket(url: string, userId: string, role: 'viewer' | 'moderator' = 'viewer', agencyId?: string): Promise<ClientSocket> {
  return t.add(await connect(url, await tokenFor(url, userId, role, agencyId)));
}

/** A console (not counted itself) watching `agencyId` through `url`: every viewer count it is pushed, and a fresh read. */
async function watcher(url: string, agencyId: string, roomId: string) {
  const s = await socket(url, `mod-${agencyId}`, 'moderator', agencyId);
  const pushed: number[] = [];
  s.on('room:stats', (stats: RoomStats) => {
    if (stats.roomId === roomId) pushed.push(stats.viewers);
  });
  const read = async () => ok(await call(s, 'console:watch', { agencyId })).rooms.find((r) => r.room.id === roomId)!.stats.viewers;
  await read();
  return { pushed, read, latest: () => pushed.at(-1) };
}

/** Node shares of `roomId` in Redis (one per node that has users in the room). */
function shares(redis: Redis, prefix: string, roomId: string): Promise<string[]> {
  return redis.keys(`${prefix}presence:share:*:${roomId}`);
}

it('a user with sockets on two nodes counts once, still once when one socket leaves, and not at all when both have', async () => {
  const [a, b] = await twoNodes(t, { STATS_TICK_MS: '50' });
  const { prefix } = a;
  const redis = t.add(inspector());
  const { roomId } = await liveRoom(a.url, { agencyId: 'ag1' });
  const agencyConsole = await watcher(b.url, 'ag1', roomId);

  const aliceOnA = await socket(a.url, 'alice');
  const aliceOnB = await socket(b.url, 'alice');
  expect(ok(await call(aliceOnA, 'room:join', { roomId })).stats.viewers).toBe(1);
  expect(ok(await call(aliceOnB, 'room:join', { roomId })).stats.viewers).toBe(1);
  await waitFor('the console is told', () => agencyConsole.latest() === 1);
  expect(await shares(redis, prefix, roomId)).toHaveLength(2); // both nodes hold alice...
  expect(await agencyConsole.read()).toBe(1); // ...and she counts once
  // A quiet window of several stats ticks (50 ms) on both nodes: no push may say 2, and no event marks "no push".
  await new Promise((r) => setTimeout(r, 200));
  expect(agencyConsole.pushed.every((n) => n === 1)).toBe(true);

  // One of her sockets leaves: node A's share is gone, and she still counts through B.
  ok(await call(aliceOnA, 'room:leave', { roomId }));
  await waitFor('node A to write its share', async () => (await shares(redis, prefix, roomId)).length === 1);
  expect(await agencyConsole.read()).toBe(1);
  expect(agencyConsole.pushed.every((n) => n === 1)).toBe(true);

  // The other one goes too.
  aliceOnB.disconnect();
  await waitFor('the console sees nobody left', () => agencyConsole.latest() === 0);
  expect(await agencyConsole.read()).toBe(0);
  expect(await shares(redis, prefix, roomId)).toEqual([]);
});

it('when a node dies without cleanup, its users leave the count at heartbeat expiry, except those still there through another node', async () => {
  const prefix = randomPrefix();
  const env = { REDIS_KEY_PREFIX: prefix, STATS_TICK_MS: '100', PRESENCE_TTL_MS: '1500' };
  const survivor = t.add(await startNode(env));
  const doomed = t.add(await spawnNode(env, inject('redisUrl')), (p) => p.kill());
  const redis = t.add(inspector());
  const { roomId } = await liveRoom(survivor.url, { agencyId: 'ag2' });
  const agencyConsole = await watcher(survivor.url, 'ag2', roomId);

  const aliceOnDoomed = await socket(doomed.url, 'alice');
  const aliceOnSurvivor = await socket(survivor.url, 'alice');
  const carolOnDoomed = await socket(doomed.url, 'carol');
  for (const s of [aliceOnDoomed, aliceOnSurvivor, carolOnDoomed]) ok(await call(s, 'room:join', { roomId }));
  await waitFor('alice and carol counted', () => agencyConsole.latest() === 2);

  await doomed.kill(); // SIGKILL: no leave, no share removal
  await waitFor("the dead node's share is reaped", async () => (await shares(redis, prefix, roomId)).length === 1, 10_000);
  await waitFor('the console sees carol gone', () => agencyConsole.latest() === 1);
  expect(await agencyConsole.read()).toBe(1); // alice is still there, through the survivor

  aliceOnSurvivor.disconnect();
  await waitFor('the console sees alice gone', () => agencyConsole.latest() === 0);
  expect(await agencyConsole.read()).toBe(0);
});
