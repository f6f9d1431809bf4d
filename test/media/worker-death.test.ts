import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api, next, type ClientSocket } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast, WebRtcPeer, type Reception } from '../../harness/webrtc.ts';

const t = useTeardown();

/**
 * A node with two workers, the creator publishing, v1 watching on the origin router and v2 on the other worker's
 * (piped); returns who is where.
 */
async function broadcastOnTwoWorkers() {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '2', MEDIASOUP_CONSUMERS_PER_ROUTER: '1' });
  const { creator, publication, viewers } = await broadcast(t, room.roomId, await room.joinCreator(), [
    await room.join('v1'),
    await room.join('v2'),
  ]);
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator)).body;
  const pid = (origin: boolean) => stats.routers.find((r) => r.origin === origin)!.workerPid;
  return {
    node,
    roomId: room.roomId,
    creator,
    producerId: publication.producerId,
    v1: viewers[0]!,
    v2: viewers[1]!,
    originPid: pid(true),
    viewerPid: pid(false),
  };
}

/** Counts media:reconnect pushes on a socket. */
function reconnects(socket: ClientSocket) {
  const seen: unknown[] = [];
  socket.on('media:reconnect', (m) => seen.push(m));
  return seen;
}

/** What a client does on media:reconnect: drop its transports, start again from the capabilities, and watch. */
async function rewatch(old: WebRtcPeer, producerId: string): Promise<Reception> {
  old.close();
  const v = t.add(await WebRtcPeer.open(old.socket, old.roomId));
  return v.consume(await v.transport('recv'), producerId);
}

it('a dead viewer-router worker: only the viewers on it are told to reconnect, and get video again after they do', async () => {
  const { node, roomId, producerId, v1, v2, viewerPid } = await broadcastOnTwoWorkers();
  const toV1 = reconnects(v1.peer.socket);
  const told = Promise.all([next(v2.peer.socket, 'media:consumerClosed'), next(v2.peer.socket, 'media:reconnect')]);
  process.kill(viewerPid, 'SIGKILL');
  const [closed, reconnect] = await told;
  expect(closed).toMatchObject({ consumerId: v2.reception.consumerId, reason: 'workerDied' });
  expect(reconnect).toMatchObject({ roomId });
  // v1, on the origin router, keeps watching and is not disturbed.
  const v1Bytes = v1.reception.counters.bytes;
  await waitFor('v1 still receiving', () => v1.reception.counters.bytes > v1Bytes + 5_000, 10_000);
  expect(toV1).toEqual([]);

  await waitFor('worker replaced', () => node.node.ctx.media.health().ok, 20_000);
  const again = await rewatch(v2.peer, producerId);
  await waitFor('v2 receiving again', () => again.counters.bytes > 5_000 && again.counters.keyframes > 0, 20_000);
});

it('a dead origin worker: everyone is told to reconnect; the creator publishes again and viewers watch again', async () => {
  const { node, roomId, creator, v1, v2, originPid } = await broadcastOnTwoWorkers();
  const told = [creator, v1.peer, v2.peer].map((p) => next(p.socket, 'media:reconnect'));
  process.kill(originPid, 'SIGKILL');
  for (const m of await Promise.all(told)) expect(m).toMatchObject({ roomId });

  await waitFor('worker replaced', () => node.node.ctx.media.health().ok, 20_000);
  creator.close();
  const republished = t.add(await WebRtcPeer.open(creator.socket, creator.roomId));
  const { producerId } = await republished.publishVp8(await republished.transport('send'));
  for (const v of [v1.peer, v2.peer]) {
    const r = await rewatch(v, producerId);
    await waitFor('viewer receiving again', () => r.counters.bytes > 5_000 && r.counters.keyframes > 0, 20_000);
  }
});
