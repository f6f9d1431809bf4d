import { afterEach, expect, it } from 'vitest';
import { api, next, scrapeMetrics } from '../helpers/clients.ts';
import { liveRoom, type LiveRoom } from '../helpers/liveRoom.ts';
import { startNode, waitFor, type TestNode } from '../helpers/node.ts';
import { broadcast, WebRtcPeer, workerObjects, type Reception } from '../helpers/webrtc.ts';

let node: TestNode | undefined;
let room: LiveRoom | undefined;
const peers: WebRtcPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  room?.close();
  await node?.close();
  node = room = undefined;
});

it('ending the room closes every consumer, tells each viewer, and leaves no router or transport on any worker', async () => {
  node = await startNode({ MEDIASOUP_WORKERS: '2', MEDIASOUP_CONSUMERS_PER_ROUTER: '1' });
  room = await liveRoom(node);
  const creator = await WebRtcPeer.open(await room.joinCreator(), room.roomId);
  peers.push(creator);
  const { producerId } = await creator.publishVp8(await creator.transport('send'));
  const viewers: { v: WebRtcPeer; r: Reception }[] = [];
  for (const name of ['v1', 'v2']) {
    const v = await WebRtcPeer.open(await room.join(name), room.roomId);
    peers.push(v);
    viewers.push({ v, r: await v.consume(await v.transport('recv'), producerId) });
  }
  for (const { r } of viewers) await waitFor('video flowing', () => r.counters.bytes > 5_000, 20_000);
  const before = await workerObjects(node.node.ctx.media);
  expect(before.routers).toBe(2); // origin + the piped viewer router
  expect(before.webRtcTransports).toBe(3);

  const told = viewers.map(({ v }) => Promise.all([next(v.socket, 'media:consumerClosed'), next(v.socket, 'room:ended')]));
  const ended = await api(node.url, 'POST', `/api/rooms/${room.roomId}/end`, room.creatorToken, { reason: 'Sold out' });
  expect(ended.status).toBe(200);
  const messages = await Promise.all(told);
  messages.forEach(([closed, end], i) => {
    expect(closed).toEqual({ roomId: room!.roomId, consumerId: viewers[i]!.r.consumerId, producerId, reason: 'roomClosed' });
    expect(end).toEqual({ roomId: room!.roomId, reason: 'Sold out' });
  });

  const after = await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node!.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0 ? left : undefined;
  });
  expect(after).toEqual({ routers: 0, webRtcTransports: 0, handlers: 0 });
});

it('ending the room while the creator\'s dropped connection has its media held closes it at once, grace timer and all', async () => {
  node = await startNode({ STREAM_RECONNECT_GRACE_MS: '60000' });
  room = await liveRoom(node);
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(room.roomId, creatorSocket, [await room.join('v1')], peers);
  creatorSocket.io.engine.close();
  await waitFor('the hold to start', async () => (await scrapeMetrics(node!.url)).get('hawker_media_publishers_held') === 1);

  const closed = next(viewers[0]!.peer.socket, 'media:consumerClosed', 2_000);
  expect((await api(node.url, 'POST', `/api/rooms/${room.roomId}/end`, room.creatorToken, {})).status).toBe(200);
  expect(await closed).toMatchObject({ producerId: publication.producerId, reason: 'roomClosed' });
  // The hold ended with the room's media (its timer cleared there), not by expiring.
  const m = await scrapeMetrics(node.url);
  expect(m.get('hawker_media_publishers_held')).toBe(0);
  expect(m.get('hawker_media_publisher_grace_total{event="roomClosed"}')).toBe(1);
  await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node!.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0;
  });
});
