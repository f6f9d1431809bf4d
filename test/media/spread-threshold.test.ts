import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it('with 3 consumers per router, 7 viewers arriving together spread over all 3 workers and every one receives video', async () => {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '3', MEDIASOUP_CONSUMERS_PER_ROUTER: '3' });
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), room.roomId));
  const { producerId } = await creator.publishVp8(await creator.transport('send'));

  // Concurrent arrivals: placement must count transports that have not consumed yet, or all 7 would land on one router.
  const viewers = await Promise.all(
    Array.from({ length: 7 }, async (_, i) => {
      const v = t.add(await WebRtcPeer.open(await room.join(`viewer${i}`), room.roomId));
      return { v, transport: await v.transport('recv') };
    }),
  );
  const receptions = await Promise.all(viewers.map(({ v, transport }) => v.consume(transport, producerId)));

  for (const r of receptions) {
    await waitFor('video at every viewer', () => r.counters.bytes > 10_000 && r.counters.keyframes > 0, 30_000);
  }
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator)).body;
  expect(stats.routers).toHaveLength(3);
  expect(new Set(stats.routers.map((r) => r.workerIndex))).toEqual(new Set([0, 1, 2]));
  expect(stats.routers.map((r) => r.consumers).sort()).toEqual([1, 3, 3]);
  expect(stats.routers.every((r) => r.consumers <= 3)).toBe(true);
  expect(stats.consumers).toBe(7);
});
