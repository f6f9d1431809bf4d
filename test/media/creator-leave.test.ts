import { expect, it } from 'vitest';
import { call, next, ok } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast, workerObjects } from '../../harness/webrtc.ts';

const t = useTeardown();

it('the creator leaving closes their producer and every consumer of it (piped ones too) at once, each viewer is told; the last viewer leaving frees everything', async () => {
  // A long reconnect grace: leaving on purpose must not wait for it.
  const { node, room } = await startLiveRoom(t, {
    MEDIASOUP_WORKERS: '2',
    MEDIASOUP_CONSUMERS_PER_ROUTER: '1',
    STREAM_RECONNECT_GRACE_MS: '60000',
  });
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(t, room.roomId, creatorSocket, [await room.join('v1'), await room.join('v2')]);
  const { producerId } = publication;

  const told = viewers.map(({ peer }) =>
    Promise.all([next(peer.socket, 'media:consumerClosed', 2_000), next(peer.socket, 'media:producerClosed', 2_000)]),
  );
  ok(await call(creatorSocket, 'room:leave', { roomId: room.roomId }));
  const messages = await Promise.all(told);
  messages.forEach(([closed, gone], i) => {
    expect(closed).toEqual({ roomId: room.roomId, consumerId: viewers[i]!.reception.consumerId, producerId, reason: 'producerClosed' });
    expect(gone).toEqual({ roomId: room.roomId, producerId });
  });
  // The creator's send transport is gone; the viewers' transports stay for the next broadcast.
  await waitFor('creator transport closed', async () => (await workerObjects(node.node.ctx.media)).webRtcTransports === 2);

  for (const { peer } of viewers) peer.socket.disconnect();
  const after = await waitFor('workers to hold nothing', async () => {
    const left = await workerObjects(node.node.ctx.media);
    return left.routers + left.webRtcTransports + left.handlers === 0 ? left : undefined;
  });
  expect(after).toEqual({ routers: 0, webRtcTransports: 0, handlers: 0 });
});

it('the creator closing their connection on purpose (not a drop) closes their track at once', async () => {
  const { node, room } = await startLiveRoom(t, { STREAM_RECONNECT_GRACE_MS: '60000' });
  const creatorSocket = await room.joinCreator();
  const { publication, viewers } = await broadcast(t, room.roomId, creatorSocket, [await room.join('v1')]);
  const gone = next(viewers[0]!.peer.socket, 'media:producerClosed', 2_000);
  creatorSocket.disconnect(); // what the SDK's close() does: a clean Socket.IO disconnect, no reconnect coming
  expect(await gone).toEqual({ roomId: room.roomId, producerId: publication.producerId });
  await waitFor('creator transport closed', async () => (await workerObjects(node.node.ctx.media)).webRtcTransports === 1);
});
