import type { types } from 'mediasoup';
import { expect, it } from 'vitest';
import type { RoomMediaStats } from '@hawker/protocol';
import { api, call } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

/** Generous: the deadline fires server-side; this only keeps a broken server from hanging the test. */
const ACK_WAIT_MS = 60_000;

it('a stopped worker: media:consume and media:createTransport answer UNAVAILABLE, new viewers go to the other worker, and what the worker creates late is closed', async () => {
  const { node, room } = await startLiveRoom(t, { MEDIASOUP_WORKERS: '2', MEDIASOUP_REQUEST_TIMEOUT_MS: '4000' });
  const pool = node.node.ctx.media;
  // What the workers create, seen through mediasoup's observer API (not our bookkeeping).
  const transports: types.Transport[] = [];
  const consumers: types.Consumer[] = [];
  for (const w of pool.workers) {
    w.worker.observer.on('newrouter', (r) =>
      r.observer.on('newtransport', (tr) => {
        transports.push(tr);
        tr.observer.on('newconsumer', (c) => consumers.push(c));
      }),
    );
  }

  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), room.roomId));
  const { producerId } = await creator.publishVp8(await creator.transport('send'));
  const v0 = t.add(await WebRtcPeer.open(await room.join('v0'), room.roomId));
  const v0Transport = await v0.transport('recv');
  const v1 = t.add(await WebRtcPeer.open(await room.join('v1'), room.roomId));
  const v2 = t.add(await WebRtcPeer.open(await room.join('v2'), room.roomId));

  const stats = (await api<RoomMediaStats>(node.url, 'GET', `/api/rooms/${room.roomId}/media/stats`, room.creator)).body;
  const origin = stats.routers.find((r) => r.origin)!;
  const other = pool.workers.find((w) => w.index !== origin.workerIndex)!;
  const knownTransports = transports.length;

  process.kill(origin.workerPid, 'SIGSTOP');
  t.defer(() => process.kill(origin.workerPid, 'SIGCONT')); // whatever happens, let teardown close it
  // v0's consume and v2's new transport both go to the stopped worker (the origin is under its threshold).
  const [consumed, created] = await Promise.all([
    call(
      v0.socket,
      'media:consume',
      { roomId: room.roomId, transportId: v0Transport.id, producerId, rtpCapabilities: v0.device.rtpCapabilities as never },
      ACK_WAIT_MS,
    ),
    call(v2.socket, 'media:createTransport', { roomId: room.roomId, direction: 'recv' }, ACK_WAIT_MS),
  ]);
  expect(consumed).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  expect(created).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });

  // The stopped worker now counts as stalled: the next viewer is placed on the other worker, and answered at once.
  const placed = await call(v1.socket, 'media:createTransport', { roomId: room.roomId, direction: 'recv' }, ACK_WAIT_MS);
  expect(placed.ok).toBe(true);
  const onOther = (await other.webRtcServer.dump()) as { webRtcTransportIds: string[] };
  expect(onOther.webRtcTransportIds).toContain(placed.ok ? placed.data.id : '');

  process.kill(origin.workerPid, 'SIGCONT');
  // The worker catches up and creates the consumer and the transport nobody waits for any more: both closed at once.
  await waitFor('the late consumer created, then closed', () => consumers.length === 1 && consumers[0]!.closed, 30_000);
  const late = () => transports.slice(knownTransports).filter((tr) => tr.id !== (placed.ok ? placed.data.id : ''));
  await waitFor('the late transport created, then closed', () => late().length === 1 && late()[0]!.closed, 30_000);

  // Answering again, the worker takes consumers as before.
  const again = await v0.consume(v0Transport, producerId);
  await waitFor('video at v0 after the worker came back', () => again.counters.bytes > 5_000, 30_000);
});
