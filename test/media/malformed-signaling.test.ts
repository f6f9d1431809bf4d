import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, ok, type ClientSocket } from '../../harness/clients.ts';
import { liveRoom } from '../../harness/live.ts';
import { startNode, type TestNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { workerObjects } from '../../harness/webrtc.ts';

const t = useTeardown();

const VP8 = { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] };

/**
 * A live room of `creatorId` on `node` whose creator has a send transport and a viewer a recv transport (signaling
 * only, no WebRTC).
 */
async function setup(node: TestNode, creatorId = 'creator0') {
  const room = t.add(await liveRoom(node.url, { creatorId, agencyId: 'ag1' }));
  const { roomId } = room;
  const creator = await room.joinCreator();
  const viewer = await room.join(`viewer-${roomId}`);
  ok(await call(creator, 'media:capabilities', { roomId }));
  const send = ok(await call(creator, 'media:createTransport', { roomId, direction: 'send' }));
  ok(await call(viewer, 'media:capabilities', { roomId }));
  const recv = ok(await call(viewer, 'media:createTransport', { roomId, direction: 'recv' }));
  return { room, roomId, creator, viewer, send: send.id, recv: recv.id };
}

const errorCode = async (socket: ClientSocket, event: Parameters<typeof call>[1], payload: unknown) => {
  const ack = await call(socket, event, payload as never);
  if (ack.ok) throw new Error(`${event} unexpectedly succeeded`);
  return ack.error.code;
};

describe('malformed media signaling gets typed errors and changes nothing', () => {
  it('bad rtpParameters: shape errors from the schema, semantic errors from mediasoup, both BAD_REQUEST', async () => {
    const { roomId, creator, viewer, send } = await setup(t.add(await startNode()));
    const produce = (rtpParameters: unknown, kind = 'video') =>
      errorCode(creator, 'media:produce', { roomId, transportId: send, kind, rtpParameters });
    // Shape (zod): no codecs, out-of-range payload type, absurd sizes, wrong types.
    expect(await produce({ codecs: [] })).toBe('BAD_REQUEST');
    expect(await produce({ codecs: [{ mimeType: 'video/VP8', payloadType: 300, clockRate: 90000 }] })).toBe('BAD_REQUEST');
    expect(await produce({ ...VP8, encodings: Array.from({ length: 50 }, (_, i) => ({ ssrc: i })) })).toBe('BAD_REQUEST');
    expect(await produce('not an object')).toBe('BAD_REQUEST');
    expect(
      await produce({ codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, parameters: { ['x'.repeat(100)]: 1 } }] }),
    ).toBe('BAD_REQUEST');
    // Semantics (mediasoup's own checks): a codec the router does not have, a kind that does not match the codec.
    expect(await produce({ codecs: [{ mimeType: 'video/H265', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 1 }] })).toBe(
      'BAD_REQUEST',
    );
    expect(await produce(VP8, 'audio')).toBe('BAD_REQUEST');
    // Nothing was produced, and the node still works: the same call with good parameters succeeds.
    expect(ok(await call(viewer, 'media:capabilities', { roomId })).producers).toEqual([]);
    const { id } = ok(await call(creator, 'media:produce', { roomId, transportId: send, kind: 'video', rtpParameters: VP8 }));
    // Semantics (the worker's check, relayed over its channel): that SSRC is already taken on this transport.
    expect(await produce(VP8)).toBe('BAD_REQUEST');
    expect(ok(await call(viewer, 'media:capabilities', { roomId })).producers).toEqual([{ id, kind: 'video', paused: false }]);
  });

  it('bad dtlsParameters and rtpCapabilities are refused', async () => {
    const { roomId, creator, viewer, send, recv } = await setup(t.add(await startNode()));
    expect(await errorCode(creator, 'media:connectTransport', { roomId, transportId: send, dtlsParameters: { fingerprints: [] } })).toBe(
      'BAD_REQUEST',
    );
    expect(
      await errorCode(creator, 'media:connectTransport', {
        roomId,
        transportId: send,
        dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'md5', value: 'AA:BB' }] },
      }),
    ).toBe('BAD_REQUEST');
    const { id: producerId } = ok(await call(creator, 'media:produce', { roomId, transportId: send, kind: 'video', rtpParameters: VP8 }));
    // A device that can decode nothing the producer sends.
    const opusOnly = { codecs: [{ kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2 }] };
    expect(await errorCode(viewer, 'media:consume', { roomId, transportId: recv, producerId, rtpCapabilities: opusOnly })).toBe(
      'BAD_REQUEST',
    );
    expect(await errorCode(viewer, 'media:consume', { roomId, transportId: recv, producerId, rtpCapabilities: { codecs: 'x' } })).toBe(
      'BAD_REQUEST',
    );
  });

  it('consuming without a transport, or on a send transport, or an unknown producer', async () => {
    const { room, roomId, creator, send } = await setup(t.add(await startNode()));
    const late = await room.join('late-viewer');
    const caps = ok(await call(late, 'media:capabilities', { roomId })).routerRtpCapabilities as never;
    const { id: producerId } = ok(await call(creator, 'media:produce', { roomId, transportId: send, kind: 'video', rtpParameters: VP8 }));
    expect(await errorCode(late, 'media:consume', { roomId, producerId, rtpCapabilities: caps })).toBe('BAD_REQUEST'); // no transportId at all
    expect(await errorCode(late, 'media:consume', { roomId, transportId: randomUUID(), producerId, rtpCapabilities: caps })).toBe(
      'NOT_FOUND',
    );
    expect(await errorCode(creator, 'media:consume', { roomId, transportId: send, producerId, rtpCapabilities: caps })).toBe('BAD_REQUEST');
    const { id: recv } = ok(await call(late, 'media:createTransport', { roomId, direction: 'recv' }));
    expect(await errorCode(late, 'media:consume', { roomId, transportId: recv, producerId: randomUUID(), rtpCapabilities: caps })).toBe(
      'NOT_FOUND',
    );
    // Once it is all right it works, once: of a double click exactly one consume succeeds, and later ones are refused.
    const consume = () => call(late, 'media:consume', { roomId, transportId: recv, producerId, rtpCapabilities: caps });
    const both = await Promise.all([consume(), consume()]);
    expect(both.filter((a) => a.ok)).toHaveLength(1);
    expect(both.find((a) => !a.ok)).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(await consume()).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('a viewer cannot produce: no send transport, and producing on their recv transport is forbidden', async () => {
    const { room, roomId, viewer, recv } = await setup(t.add(await startNode()));
    expect(await errorCode(viewer, 'media:createTransport', { roomId, direction: 'send' })).toBe('FORBIDDEN');
    expect(await errorCode(viewer, 'media:produce', { roomId, transportId: recv, kind: 'video', rtpParameters: VP8 })).toBe('FORBIDDEN');
    // Not even a moderator of the agency or an admin: only the creator's own camera goes out.
    const admin = await room.join('admin1', 'admin');
    expect(await errorCode(admin, 'media:createTransport', { roomId, direction: 'send' })).toBe('FORBIDDEN');
  });

  it("another room's (or another connection's) transport id is not found; media before room:join is forbidden", async () => {
    const node = t.add(await startNode());
    const a = await setup(node);
    const b = await setup(node, 'creator1');
    // Room B's creator, also joined to room A, names B's transport while acting in room A.
    ok(await call(b.creator, 'room:join', { roomId: a.roomId }));
    expect(await errorCode(b.creator, 'media:produce', { roomId: a.roomId, transportId: b.send, kind: 'video', rtpParameters: VP8 })).toBe(
      'FORBIDDEN',
    );
    expect(
      await errorCode(b.viewer, 'media:connectTransport', {
        roomId: a.roomId,
        transportId: b.recv,
        dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB:CC:DD' }] },
      }),
    ).toBe('FORBIDDEN');
    ok(await call(b.viewer, 'room:join', { roomId: a.roomId }));
    expect(
      await errorCode(b.viewer, 'media:connectTransport', {
        roomId: a.roomId,
        transportId: b.recv,
        dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB:CC:DD' }] },
      }),
    ).toBe('NOT_FOUND');
    expect(await errorCode(b.viewer, 'media:closeTransport', { roomId: a.roomId, transportId: a.recv })).toBe('NOT_FOUND'); // A's viewer's transport
    const stranger = await a.room.connectOnly('stranger');
    expect(await errorCode(stranger, 'media:capabilities', { roomId: a.roomId })).toBe('FORBIDDEN');
    expect(await errorCode(stranger, 'media:createTransport', { roomId: a.roomId, direction: 'recv' })).toBe('FORBIDDEN');
    expect(await errorCode(stranger, 'media:nope' as never, {})).toBe('UNKNOWN_EVENT');
    // Every refusal left the transports as they were: 2 per room.
    const held = await workerObjects(node.node.ctx.media);
    expect(held.webRtcTransports).toBe(4);
    // Loading a device allocates nothing: a viewer browsing rooms pins no router in them.
    const fresh = t.add(await liveRoom(node.url, { creatorId: 'creator-fresh', agencyId: 'ag1' }));
    ok(await call(await fresh.join('browser'), 'media:capabilities', { roomId: fresh.roomId }));
    expect((await workerObjects(node.node.ctx.media)).routers).toBe(held.routers);
  });
});
