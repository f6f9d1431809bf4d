import { afterEach, expect, it } from 'vitest';
import { call, next, ok } from '../helpers/clients.ts';
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

it('the creator leaving closes their producer and every consumer of it (piped ones too) at once, each viewer is told; the last viewer leaving frees everything', async () => {
  // A long reconnect grace: leaving on purpose must not wait for it.
  node = await startNode({ MEDIASOUP_WORKERS: '2', MEDIASOUP_CONSUMERS_PER_ROUTER: '1', STREAM_RECONNECT_GRACE_MS: '60000' });
  room = await liveRoom(node);
  const creatorSocket = await room.joinCreator();
  const creator = await WebRtcPeer.open(creatorSocket, room.roomId);
  peers.push(creator);
  const { producerId } = await creator.publishVp8(await creator.transport('send'));
  const viewers: { v: WebRtcPeer; r: Reception }[] = [];
  for (const name of ['v1', 'v2']) {
    const v = await WebRtcPeer.open(await room.join(name), room.roomId);
    peers.push(v);
    viewers.push({ v, r: await v.consume(await v.transport('recv'), producerId) });
  }
  for (const { r } of viewers) await waitFor('video flowing', () => r.counters.bytes > 5_000, 20_000);

  const told = viewers.map(({ v }) => Promise.all([next(v.socket, 'media:consumerClosed', 2_000), next(v.socket, 'media:producerClosed', 2_000)]));
  ok(await call(creatorSocket, 'room:leave', { roomId: room.roomId }));
  const messages = await Promise.all(told);
  messages.forEach(([closed, gone], i) => {
    expect(closed).toEqual({ roomId: room!.roomId, consumerId: viewers[i]!.r.consumerId, producerId, reason: 'producerClosed' });
    expect(gone).toEqual({ roomId: room!.roomId, producerId });
  });
  // The creator's send transport is gone; the viewers' transports stay for the next broadcast.
  await waitFor('creator transport closed', async () => (await workerObjects(node!.node.ctx.media)).webRtcTransports === 2);

  for (const { v } of viewers) v.socket.disconnect();
  const after = await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node!.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0 ? left : undefined;
  });
  expect(after).toEqual({ routers: 0, webRtcTransports: 0, handlers: 0 });
});

it('the creator closing their connection on purpose (not a drop) closes their track at once', async () => {
  node = await startNode({ STREAM_RECONNECT_GRACE_MS: '60000' });
  room = await liveRoom(node);
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(room.roomId, creatorSocket, [await room.join('v1')], peers);
  const gone = next(viewers[0]!.peer.socket, 'media:producerClosed', 2_000);
  creatorSocket.disconnect(); // what the SDK's close() does: a clean Socket.IO disconnect, no reconnect coming
  expect(await gone).toEqual({ roomId: room.roomId, producerId: publication.producerId });
  await waitFor('creator transport closed', async () => (await workerObjects(node!.node.ctx.media)).webRtcTransports === 1);
});
