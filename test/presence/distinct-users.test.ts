import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import type { RoomStats } from '../../server/protocol/index.ts';
import { call, connect, ok, type ClientSocket } from '../helpers/clients.ts';
import { liveRoom, tokenFor } from '../helpers/live.ts';
import { randomPrefix, startNode, waitFor, type TestNode } from '../helpers/node.ts';
import { spawnNode, type NodeProcess } from '../helpers/nodeProcess.ts';

const nodes: TestNode[] = [];
const processes: NodeProcess[] = [];
const sockets: ClientSocket[] = [];
let redis: Redis | undefined;
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  for (const p of processes.splice(0)) await p.kill();
  for (const n of nodes.splice(0)) await n.close();
  redis?.disconnect();
  redis = undefined;
});

async function socket(url: string, userId: string, role: 'viewer' | 'moderator' = 'viewer', agencyId?: string): Promise<ClientSocket> {
  const s = await connect(url, await tokenFor(url, userId, role, agencyId));
  sockets.push(s);
  return s;
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
function shares(prefix: string, roomId: string): Promise<string[]> {
  redis ??= new Redis(inject('redisUrl'));
  return redis.keys(`${prefix}presence:share:*:${roomId}`);
}

it('a user with sockets on two nodes counts once, still once when one socket leaves, and not at all when both have', async () => {
  const prefix = randomPrefix();
  const a = await startNode({ REDIS_KEY_PREFIX: prefix, STATS_TICK_MS: '50' });
  const b = await startNode({ REDIS_KEY_PREFIX: prefix, STATS_TICK_MS: '50' });
  nodes.push(a, b);
  const { roomId } = await liveRoom(a.url, { agencyId: 'ag1' });
  const agencyConsole = await watcher(b.url, 'ag1', roomId);

  const aliceOnA = await socket(a.url, 'alice');
  const aliceOnB = await socket(b.url, 'alice');
  expect(ok(await call(aliceOnA, 'room:join', { roomId })).stats.viewers).toBe(1);
  expect(ok(await call(aliceOnB, 'room:join', { roomId })).stats.viewers).toBe(1);
  await waitFor('the console is told', () => agencyConsole.latest() === 1);
  expect(await shares(prefix, roomId)).toHaveLength(2); // both nodes hold alice...
  expect(await agencyConsole.read()).toBe(1); // ...and she counts once
  await new Promise((r) => setTimeout(r, 200)); // several stats ticks on both nodes
  expect(agencyConsole.pushed.every((n) => n === 1)).toBe(true);

  // One of her sockets leaves: node A's share is gone, and she still counts through B.
  ok(await call(aliceOnA, 'room:leave', { roomId }));
  await waitFor('node A to write its share', async () => (await shares(prefix, roomId)).length === 1);
  expect(await agencyConsole.read()).toBe(1);
  expect(agencyConsole.pushed.every((n) => n === 1)).toBe(true);

  // The other one goes too.
  aliceOnB.disconnect();
  await waitFor('the console sees nobody left', () => agencyConsole.latest() === 0);
  expect(await agencyConsole.read()).toBe(0);
  expect(await shares(prefix, roomId)).toEqual([]);
});

it('when a node dies without cleanup, its users leave the count at heartbeat expiry, except those still there through another node', async () => {
  const prefix = randomPrefix();
  const env = { REDIS_KEY_PREFIX: prefix, STATS_TICK_MS: '100', PRESENCE_TTL_MS: '1500' };
  const survivor = await startNode(env);
  nodes.push(survivor);
  const doomed = await spawnNode(env, inject('redisUrl'));
  processes.push(doomed);
  const { roomId } = await liveRoom(survivor.url, { agencyId: 'ag2' });
  const agencyConsole = await watcher(survivor.url, 'ag2', roomId);

  const aliceOnDoomed = await socket(doomed.url, 'alice');
  const aliceOnSurvivor = await socket(survivor.url, 'alice');
  const carolOnDoomed = await socket(doomed.url, 'carol');
  for (const s of [aliceOnDoomed, aliceOnSurvivor, carolOnDoomed]) ok(await call(s, 'room:join', { roomId }));
  await waitFor('alice and carol counted', () => agencyConsole.latest() === 2);

  await doomed.kill(); // SIGKILL: no leave, no share removal
  await waitFor('the dead node\'s share is reaped', async () => (await shares(prefix, roomId)).length === 1, 10_000);
  await waitFor('the console sees carol gone', () => agencyConsole.latest() === 1);
  expect(await agencyConsole.read()).toBe(1); // alice is still there, through the survivor

  aliceOnSurvivor.disconnect();
  await waitFor('the console sees alice gone', () => agencyConsole.latest() === 0);
  expect(await agencyConsole.read()).toBe(0);
});
