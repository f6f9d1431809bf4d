import { expect, it } from 'vitest';
import { api, next, scrapeMetrics } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast, workerObjects } from '../../harness/webrtc.ts';

const t = useTeardown();

it('ending the room closes every consumer, tells each viewer, and leaves no router or transport on any worker', async () => {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '2', MEDIASOUP_CONSUMERS_PER_ROUTER: '1' });
  const { publication, viewers } = await broadcast(t, room.roomId, await room.joinCreator(), [
    await room.join('v1'),
    await room.join('v2'),
  ]);
  const { producerId } = publication;
  const before = await workerObjects(node.node.ctx.media);
  expect(before.routers).toBe(2); // origin + the piped viewer router
  expect(before.webRtcTransports).toBe(3);

  const told = viewers.map(({ peer }) => Promise.all([next(peer.socket, 'media:consumerClosed'), next(peer.socket, 'room:ended')]));
  const ended = await api(node.url, 'POST', `/api/rooms/${room.roomId}/end`, room.creator, { reason: 'Sold out' });
  expect(ended.status).toBe(200);
  const messages = await Promise.all(told);
  messages.forEach(([closed, end], i) => {
    expect(closed).toEqual({ roomId: room.roomId, consumerId: viewers[i]!.reception.consumerId, producerId, reason: 'roomClosed' });
    expect(end).toEqual({ roomId: room.roomId, reason: 'Sold out' });
  });

  const after = await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0 ? left : undefined;
  });
  expect(after).toEqual({ routers: 0, webRtcTransports: 0, handlers: 0 });
});

it("ending the room while the creator's dropped connection has its media held closes it at once, grace timer and all", async () => {
  const { node, room } = await startLiveRoom(t, { STREAM_RECONNECT_GRACE_MS: '60000' });
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(t, room.roomId, creatorSocket, [await room.join('v1')]);
  creatorSocket.io.engine.close();
  await waitFor('the hold to start', async () => (await scrapeMetrics(node.url)).get('hawker_media_publishers_held') === 1);

  const closed = next(viewers[0]!.peer.socket, 'media:consumerClosed', 2_000);
  expect((await api(node.url, 'POST', `/api/rooms/${room.roomId}/end`, room.creator, {})).status).toBe(200);
  expect(await closed).toMatchObject({ producerId: publication.producerId, reason: 'roomClosed' });
  // The hold ended with the room's media (its timer cleared there), not by expiring.
  const m = await scrapeMetrics(node.url);
  expect(m.get('hawker_media_publishers_held')).toBe(0);
  expect(m.get('hawker_media_publisher_grace_total{event="roomClosed"}')).toBe(1);
  await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0;
  });
});
