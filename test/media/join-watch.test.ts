import { expect, it } from 'vitest';
import type { TransportParams } from '@hawker/protocol';
import { call, ok } from '../../harness/clients.ts';
import { startLiveRoom } from '../../harness/live.ts';
import { waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { WebRtcPeer } from '../../harness/webrtc.ts';

const t = useTeardown();

it('media:watch sent with room:join answers capabilities, a recv transport and paused consumers: the viewer only connects and resumes', async () => {
  const { room } = await startLiveRoom(t);
  const { roomId } = room;
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), roomId));
  const { producerId } = await creator.publishVp8(await creator.transport('send'));

  // The join and the whole media start leave in the same tick: the server waits for the join before answering.
  const socket = await room.connectOnly('fast-viewer');
  const [joined, watch] = await Promise.all([call(socket, 'room:join', { roomId }), call(socket, 'media:watch', { roomId })]);
  expect(joined.ok).toBe(true);
  const start = ok(watch);
  expect(start.producers).toEqual([{ id: producerId, kind: 'video', paused: false }]);
  expect(start.consumers).toEqual([expect.objectContaining({ producerId, kind: 'video', type: 'simple', producerPaused: false })]);

  // Device from the answer's capabilities, the transport's twin, the consumer made locally, resumed: video arrives
  // with no media:capabilities, media:createTransport or media:consume from this viewer.
  const viewer = t.add(await WebRtcPeer.load(socket, roomId, start.routerRtpCapabilities));
  const transport = viewer.adopt(start.transport as TransportParams, 'recv');
  const reception = await viewer.receive(transport, start.consumers[0]!);
  await waitFor('a keyframe through the consumer made ahead', () => reception.counters.keyframes > 0, 20_000);
  // It is a consumer like any other: the same producer cannot be consumed twice on the connection.
  expect(
    await call(socket, 'media:consume', {
      roomId,
      transportId: transport.id,
      producerId,
      rtpCapabilities: viewer.device.rtpCapabilities as never,
    }),
  ).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
});

it('media:watch leaves out a track the given capabilities cannot receive (media:consume then says why), and refuses without a join', async () => {
  const { room } = await startLiveRoom(t);
  const { roomId } = room;
  const creator = t.add(await WebRtcPeer.open(await room.joinCreator(), roomId));
  const { producerId } = await creator.publishVp8(await creator.transport('send'));

  const audioOnly = {
    codecs: [{ kind: 'audio' as const, mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2 }],
  };
  const socket = await room.join('audio-only');
  const start = ok(await call(socket, 'media:watch', { roomId, rtpCapabilities: audioOnly }));
  expect(start.producers.map((p) => p.id)).toEqual([producerId]);
  expect(start.consumers).toEqual([]);
  expect(
    await call(socket, 'media:consume', { roomId, transportId: start.transport.id, producerId, rtpCapabilities: audioOnly }),
  ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

  // Bad input: a typed error.
  expect(await call(socket, 'media:watch', { roomId, rtpCapabilities: { codecs: 'vp8' } } as never)).toMatchObject({
    ok: false,
    error: { code: 'BAD_REQUEST' },
  });
  // No join, or a join that fails: refused, and nothing waits forever.
  const stranger = await room.connectOnly('stranger');
  expect(await call(stranger, 'media:watch', { roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  const [badJoin, badWatch] = await Promise.all([
    call(stranger, 'room:join', { roomId: 'no-such-room' }),
    call(stranger, 'media:watch', { roomId: 'no-such-room' }),
  ]);
  expect(badJoin.ok).toBe(false);
  expect(badWatch).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
});
