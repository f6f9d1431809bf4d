import { afterEach, expect, it } from 'vitest';
import type { RoomMediaStats } from '../../server/protocol/index.ts';
import { api } from '../helpers/clients.ts';
import { liveRoom, type LiveRoom } from '../helpers/liveRoom.ts';
import { startNode, waitFor, type TestNode } from '../helpers/node.ts';
import { WebRtcPeer } from '../helpers/webrtc.ts';

let node: TestNode | undefined;
let room: LiveRoom | undefined;
const peers: WebRtcPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  room?.close();
  await node?.close();
  node = room = undefined;
});

it('with 3 consumers per router, 7 viewers arriving together spread over all 3 workers and every one receives video', async () => {
  node = await startNode({ MEDIASOUP_WORKERS: '3', MEDIASOUP_CONSUMERS_PER_ROUTER: '3' });
  room = await liveRoom(node);
  const creator = await WebRtcPeer.open(await room.joinCreator(), room.roomId);
  peers.push(creator);
  const { producerId } = await creator.publishVp8(await creator.transport('send'));

  // Concurrent arrivals: placement must count transports that have not consumed yet, or all 7 would land on one router.
  const viewers = await Promise.all(
    Array.from({ length: 7 }, async (_, i) => {
      const v = await WebRtcPeer.open(await room!.join(`viewer${i}`), room!.roomId);
      peers.push(v);
      return { v, transport: await v.transport('recv') };
    }),
  );
  const receptions = await Promise.all(viewers.map(({ v, transport }) => v.consume(transport, producerId)));

  for (const r of receptions) {
    await waitFor('video at every viewer', () => r.counters.bytes > 10_000 && r.counters.keyframes > 0, 30_000);
  }
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creatorToken)).body;
  expect(stats.routers).toHaveLength(3);
  expect(new Set(stats.routers.map((r) => r.workerIndex))).toEqual(new Set([0, 1, 2]));
  expect(stats.routers.map((r) => r.consumers).sort()).toEqual([1, 3, 3]);
  expect(stats.routers.every((r) => r.consumers <= 3)).toBe(true);
  expect(stats.consumers).toBe(7);
});
