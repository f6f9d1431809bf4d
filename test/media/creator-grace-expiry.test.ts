import type { types } from 'mediasoup';
import { expect, it } from 'vitest';
import { next, scrapeMetrics } from '../../harness/clients.ts';
import { liveRoom, startLiveRoom } from '../../harness/live.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast, workerObjects } from '../../harness/webrtc.ts';

const t = useTeardown();

const GRACE_MS = 3_000;

it('a creator who does not come back: the track closes when the grace period ends, every viewer is told, and the workers keep nothing of the creator', async () => {
  const { node, room } = await startLiveRoom(t, {
    MEDIASOUP_WORKERS: '2',
    MEDIASOUP_CONSUMERS_PER_ROUTER: '1',
    STREAM_RECONNECT_GRACE_MS: String(GRACE_MS),
  });
  const { roomId } = room;
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(t, roomId, creatorSocket, [await room.join('v1'), await room.join('v2')]);
  const { producerId } = publication;
  const told = viewers.map(({ peer }) =>
    Promise.all([next(peer.socket, 'media:consumerClosed', 10_000), next(peer.socket, 'media:producerClosed', 10_000)]),
  );

  const cutAt = Date.now();
  creatorSocket.io.engine.close(); // the network drops, and the creator never returns
  // Held meanwhile: both viewers (one on the origin router, one on a piped router) keep receiving.
  await waitFor('the hold to start', async () => (await scrapeMetrics(node.url)).get('hawker_media_publishers_held') === 1);
  await Promise.all(
    viewers.map(({ reception }) => {
      const from = reception.counters.packets;
      return waitFor('video while the creator is away', () => reception.counters.packets > from + 10, GRACE_MS);
    }),
  );

  const messages = await Promise.all(told);
  expect(Date.now() - cutAt).toBeGreaterThanOrEqual(GRACE_MS - 50); // timers may round a few ms; closing early would be far off
  messages.forEach(([closed, gone], i) => {
    expect(closed).toEqual({ roomId, consumerId: viewers[i]!.reception.consumerId, producerId, reason: 'producerClosed' });
    expect(gone).toEqual({ roomId, producerId });
  });
  // The creator's send transport is gone; the viewers' recv transports stay for the next broadcast.
  await waitFor('creator transport closed', async () => (await workerObjects(node.node.ctx.media)).webRtcTransports === 2);
  const m = await scrapeMetrics(node.url);
  expect(m.get('hawker_media_publishers_held')).toBe(0);
  expect(m.get('hawker_media_publisher_grace_total{event="started"}')).toBe(1);
  expect(m.get('hawker_media_publisher_grace_total{event="expired"}')).toBe(1);
  expect(m.has('hawker_media_publisher_grace_total{event="resumed"}')).toBe(false);

  for (const { peer } of viewers) peer.socket.disconnect();
  const after = await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0 ? left : undefined;
  });
  expect(after).toEqual({ routers: 0, webRtcTransports: 0, handlers: 0 });
});

it("the held transport closing during the grace period (the media path is gone) closes the creator's track at once", async () => {
  const node = t.add(await startNode({ STREAM_RECONNECT_GRACE_MS: '60000' }));
  // The creator's server-side send transport, as mediasoup hands it out.
  const sends: types.WebRtcTransport[] = [];
  for (const { worker } of node.node.ctx.media.workers) {
    worker.observer.on('newrouter', (router) =>
      router.observer.on('newtransport', (t) => {
        if (t.appData.direction === 'send') sends.push(t as types.WebRtcTransport);
      }),
    );
  }
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1' }));
  const { roomId } = room;
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(t, roomId, creatorSocket, [await room.join('v1')]);
  const viewer = viewers[0]!.peer;
  expect(sends).toHaveLength(1);

  creatorSocket.io.engine.close();
  await waitFor('the hold to start', async () => (await scrapeMetrics(node.url)).get('hawker_media_publishers_held') === 1);
  const gone = next(viewer.socket, 'media:producerClosed');
  const closedAt = Date.now();
  sends[0]!.close();
  expect(await gone).toEqual({ roomId, producerId: publication.producerId });
  expect(Date.now() - closedAt).toBeLessThan(2_000); // not the 60 s grace
  const m = await scrapeMetrics(node.url);
  expect(m.get('hawker_media_publishers_held')).toBe(0);
  expect(m.get('hawker_media_publisher_grace_total{event="mediaFailed"}')).toBe(1);
});
