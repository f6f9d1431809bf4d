import { expect, it } from 'vitest';
import type { ServerToClientEvents } from '@hawker/protocol';
import { call, next, ok, type ClientSocket } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor, type TestNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { broadcast, WebRtcPeer, type Reception } from '../../harness/webrtc.ts';

const t = useTeardown();

/** Records every push of `event` on a socket. */
function record<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  (socket as unknown as { on(e: string, l: (p: never) => void): void }).on(event, (p) => seen.push(p));
  return seen;
}

/** The server has no connection of the creator left. */
const serverLostCreator = (node: TestNode) =>
  waitFor(
    'the server to see the creator drop',
    () => ![...node.node.ctx.io.sockets.sockets.values()].some((s) => s.data.principal?.userId === 'creator1'),
  );

/** Waits until `packets` more RTP packets reached the viewer. */
const arrive = (r: Reception, packets: number) => {
  const from = r.counters.packets;
  return waitFor(`${packets} more packets at the viewer`, () => r.counters.packets >= from + packets, 15_000);
};

it("the creator's connection drops and Socket.IO recovers it: the viewer receives throughout, the same track outlives the grace period, and the creator still controls it", async () => {
  const { node, room } = await startLiveRoom(t, { STREAM_RECONNECT_GRACE_MS: '4000' });
  const { roomId } = room;
  const socket = await room.joinCreator({ reconnection: true });
  const { publication, viewers } = await broadcast(t, roomId, socket, [await room.join('v1')]);
  const { producerId } = publication;
  const { peer: viewer, reception } = viewers[0]!;
  const closed = record(viewer.socket, 'media:producerClosed');
  // The creator's socket has had a broadcast (media:producerAdded), so Socket.IO can recover it; coming back after a
  // fixed 2 s leaves time to see video arrive while it is away.
  socket.io.reconnectionDelay(2_000);
  socket.io.randomizationFactor(0);
  const back = new Promise<number>((resolve) => socket.io.once('reconnect', () => resolve(reception.counters.packets)));

  socket.io.engine.close(); // a network cut, as far as both ends can tell
  await serverLostCreator(node);
  const cutAt = Date.now();
  const atCut = reception.counters.packets;
  expect(await back).toBeGreaterThan(atCut + 10); // video kept arriving while the creator was away
  await waitFor('the creator connected', () => socket.connected);
  expect(socket.recovered).toBe(true);
  // Past the end of the grace period: the recovered connection took its media back, so nothing closes. The grace
  // deadline (4 s after the cut, 1 s margin) is the moment in question; nothing happens at it when all is well.
  await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 5_000 - Date.now())));
  await arrive(reception, 30);
  expect(closed).toEqual([]);
  expect(ok(await call(viewer.socket, 'media:capabilities', { roomId })).producers).toEqual([
    { id: producerId, kind: 'video', paused: false },
  ]);

  const paused = next(viewer.socket, 'media:producerState');
  ok(await call(socket, 'media:pauseProducer', { roomId, producerId }));
  expect(await paused).toEqual({ roomId, producerId, paused: true });
  const resumed = next(viewer.socket, 'media:producerState');
  ok(await call(socket, 'media:resumeProducer', { roomId, producerId }));
  expect(await resumed).toEqual({ roomId, producerId, paused: false });
  await arrive(reception, 30);
});

it('the creator comes back on a brand-new connection: media:reattach hands it the held transport and track (same producer id) and it controls them', async () => {
  const { node, room } = await startLiveRoom(t); // the default grace (15 s)
  const { roomId } = room;
  const old = await room.joinCreator();
  const { send, publication, viewers } = await broadcast(t, roomId, old, [await room.join('v1')]);
  const { producerId } = publication;
  const { peer: viewer, reception } = viewers[0]!;
  const closed = record(viewer.socket, 'media:producerClosed');

  old.io.engine.close();
  await serverLostCreator(node);
  await arrive(reception, 30); // viewers keep the video while the creator is away

  const fresh = await room.joinCreator();
  // Before reattaching, the new connection owns nothing; naming the transport is the creator's alone.
  expect(await call(fresh, 'media:pauseProducer', { roomId, producerId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  expect(await call(viewer.socket, 'media:reattach', { roomId, transportId: send.id })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });
  expect(ok(await call(fresh, 'media:reattach', { roomId, transportId: send.id }))).toEqual({
    producers: [{ id: producerId, kind: 'video', paused: false }],
  });
  // Reattaching again is harmless: the connection already owns it.
  expect(ok(await call(fresh, 'media:reattach', { roomId, transportId: send.id })).producers).toEqual([
    { id: producerId, kind: 'video', paused: false },
  ]);
  await arrive(reception, 30);

  const paused = next(viewer.socket, 'media:producerState');
  ok(await call(fresh, 'media:pauseProducer', { roomId, producerId }));
  expect(await paused).toEqual({ roomId, producerId, paused: true });
  const resumed = next(viewer.socket, 'media:producerState');
  ok(await call(fresh, 'media:resumeProducer', { roomId, producerId }));
  expect(await resumed).toEqual({ roomId, producerId, paused: false });
  // New ICE credentials for a changed network path; the client applies them and the video goes on.
  const { iceParameters } = ok(await call(fresh, 'media:restartIce', { roomId, transportId: send.id }));
  expect(iceParameters).toMatchObject({ usernameFragment: expect.any(String), password: expect.any(String) });
  await send.restartIce({ iceParameters: iceParameters as never });
  await arrive(reception, 30);
  // And it may open more transports, within the per-connection bound that now counts the reattached one.
  ok(await call(fresh, 'media:createTransport', { roomId, direction: 'send' }));
  expect(closed).toEqual([]);
  expect(ok(await call(viewer.socket, 'media:capabilities', { roomId })).producers).toEqual([
    { id: producerId, kind: 'video', paused: false },
  ]);
});

it('the creator comes back as a fresh client that cannot reattach (say, the studio page reloaded): publishing again replaces the held track at once', async () => {
  const { node, room } = await startLiveRoom(t, { STREAM_RECONNECT_GRACE_MS: '60000' });
  const { roomId } = room;
  const old = await room.joinCreator();
  const { publication, viewers } = await broadcast(t, roomId, old, [await room.join('v1')]);
  const viewer = viewers[0]!.peer;
  old.io.engine.close();
  await serverLostCreator(node);

  const added = next(viewer.socket, 'media:producerAdded');
  const gone = next(viewer.socket, 'media:producerClosed', 5_000);
  const fresh = t.add(await WebRtcPeer.open(await room.joinCreator(), roomId));
  const republished = await fresh.publishVp8(await fresh.transport('send'));
  expect((await added).producer.id).toBe(republished.producerId);
  expect(await gone).toEqual({ roomId, producerId: publication.producerId }); // not after the 60 s grace
  expect(ok(await call(viewer.socket, 'media:capabilities', { roomId })).producers).toEqual([
    { id: republished.producerId, kind: 'video', paused: false },
  ]);
});
