import { afterEach, expect, it } from 'vitest';
import type { RoomMediaStats } from '../../server/protocol/index.ts';
import { api, next, type ClientSocket } from '../helpers/clients.ts';
import { liveRoom, type LiveRoom } from '../helpers/liveRoom.ts';
import { startNode, waitFor, type TestNode } from '../helpers/node.ts';
import { WebRtcPeer, type Reception } from '../helpers/webrtc.ts';

let node: TestNode | undefined;
let room: LiveRoom | undefined;
const peers: WebRtcPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  room?.close();
  await node?.close();
  node = room = undefined;
});

/** Creator publishing, v1 on the origin router, v2 piped to the other worker; returns who is where. */
async function broadcast() {
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
  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creatorToken)).body;
  const pid = (origin: boolean) => stats.routers.find((r) => r.origin === origin)!.workerPid;
  return { creator, producerId, v1: viewers[0]!, v2: viewers[1]!, originPid: pid(true), viewerPid: pid(false) };
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
  const v = await WebRtcPeer.open(old.socket, old.roomId);
  peers.push(v);
  return v.consume(await v.transport('recv'), producerId);
}

it('a dead viewer-router worker: only the viewers on it are told to reconnect, and get video again after they do', async () => {
  const { producerId, v1, v2, viewerPid } = await broadcast();
  const toV1 = reconnects(v1.v.socket);
  const told = Promise.all([next(v2.v.socket, 'media:consumerClosed'), next(v2.v.socket, 'media:reconnect')]);
  process.kill(viewerPid, 'SIGKILL');
  const [closed, reconnect] = await told;
  expect(closed).toMatchObject({ consumerId: v2.r.consumerId, reason: 'workerDied' });
  expect(reconnect).toMatchObject({ roomId: room!.roomId });
  // v1, on the origin router, keeps watching and is not disturbed.
  const v1Bytes = v1.r.counters.bytes;
  await waitFor('v1 still receiving', () => v1.r.counters.bytes > v1Bytes + 5_000, 10_000);
  expect(toV1).toEqual([]);

  await waitFor('worker replaced', () => node!.node.ctx.media.health().ok, 20_000);
  const again = await rewatch(v2.v, producerId);
  await waitFor('v2 receiving again', () => again.counters.bytes > 5_000 && again.counters.keyframes > 0, 20_000);
});

it('a dead origin worker: everyone is told to reconnect; the creator publishes again and viewers watch again', async () => {
  const { creator, v1, v2, originPid } = await broadcast();
  const told = [creator, v1.v, v2.v].map((p) => next(p.socket, 'media:reconnect'));
  process.kill(originPid, 'SIGKILL');
  for (const m of await Promise.all(told)) expect(m).toMatchObject({ roomId: room!.roomId });

  await waitFor('worker replaced', () => node!.node.ctx.media.health().ok, 20_000);
  creator.close();
  const republished = await WebRtcPeer.open(creator.socket, creator.roomId);
  peers.push(republished);
  const { producerId } = await republished.publishVp8(await republished.transport('send'));
  for (const v of [v1.v, v2.v]) {
    const r = await rewatch(v, producerId);
    await waitFor('viewer receiving again', () => r.counters.bytes > 5_000 && r.counters.keyframes > 0, 20_000);
  }
});
