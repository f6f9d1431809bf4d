import type { types } from 'mediasoup';
import { MediaError } from '../../media/errors.ts';
import type { MediaService } from '../../media/mediaService.ts';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { on } from '../edge/socket.ts';
import type { RoomService } from '../rooms/service.ts';
import type { HawkerSocket } from '../kernel/context.ts';

/** Maps media/'s refusals to the wire's typed errors; anything else passes through (and is logged as INTERNAL). */
function toAppError(err: unknown): unknown {
  if (!(err instanceof MediaError)) return err;
  switch (err.kind) {
    case 'invalid':
      return AppError.badRequest(err.message);
    case 'notFound':
      return new AppError('NOT_FOUND', err.message);
    case 'conflict':
      return AppError.conflict(err.message);
    case 'unavailable':
      return AppError.unavailable(err.message, err);
    case 'full':
      return err.limit ? AppError.quotaExceeded(err.limit.name, err.limit.max, err.message) : AppError.unavailable(err.message, err);
  }
}

/** Runs a media operation, turning MediaErrors into AppErrors. */
async function media<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAppError(err);
  }
}

/**
 * The media:* handlers for one connection. The peer id in room media is the socket id, so a connection only ever
 * touches its own transports, producers and consumers, and only in rooms it joined; the one hand-over is
 * `media:reattach`, by which the creator's new connection takes the tracks its dropped one left (naming the send
 * transport only that connection was told of). Payloads are bounded by the zod schemas in protocol/media.ts; the
 * mediasoup structures in them are then checked by mediasoup itself, and what it rejects comes back as BAD_REQUEST
 * (the cast to mediasoup's types is only the hand-over to that check).
 */
export function registerSignaling(socket: HawkerSocket, deps: { media: MediaService; rooms: RoomService; log: Logger }): void {
  const { media: service, rooms, log } = deps;
  const peerId = socket.id;

  /**
   * Every media event needs room membership first (room:join checks bans, ended rooms...). A join of the room in
   * flight on this connection is waited for, so a page sends `media:capabilities` and `media:createTransport` right
   * behind `room:join` instead of one round trip after it (issue 20: first frame sooner).
   */
  const joined = async (roomId: string) => {
    if (!(await rooms.isMember(socket, roomId))) throw AppError.forbidden('Join the room (room:join) before using its media');
  };
  /** Only the room's creator publishes (policy.canPublish); checked against the stored room, not the client's word. */
  const creatorOnly = async (roomId: string) => {
    const r = await rooms.store.mustGet(roomId);
    policy.require(policy.canPublish(socket.data.principal, r), "Only the room's creator can publish video or audio");
    if (r.status === 'ended') throw AppError.conflict('This live has ended');
  };
  /** Operations on existing media: the room's media must exist on this node already. */
  const existing = async (roomId: string) => {
    await joined(roomId);
    const r = service.get(roomId);
    if (!r) throw AppError.notFound('Media for this room on this server (create a transport with media:createTransport first)');
    return r;
  };

  on(socket, 'media:capabilities', log, async ({ roomId }) => {
    await joined(roomId);
    const routerRtpCapabilities = await media(() => service.rtpCapabilities());
    return { routerRtpCapabilities, producers: service.get(roomId)?.listProducers() ?? [] };
  });

  on(socket, 'media:createTransport', log, async ({ roomId, direction }) => {
    await joined(roomId);
    if (direction === 'send') await creatorOnly(roomId);
    // The first transport of a room on this node creates its media (origin router); docs/media.md, multi-node.
    return media(async () => (await service.room(roomId)).createTransport(peerId, direction));
  });

  // A viewer's start in one request (issue 20): sent with room:join, it answers what capabilities, a recv transport and
  // a consume per published track would, so the viewer's next messages are connect and resume. The consumers are a
  // head start, not a promise: one that cannot be made now is left out and the client consumes it the usual way,
  // which reports why.
  on(socket, 'media:watch', log, async ({ roomId, rtpCapabilities }) => {
    await joined(roomId);
    const routerRtpCapabilities = await media(() => service.rtpCapabilities());
    const room = await media(() => service.room(roomId));
    const transport = await media(() => room.createTransport(peerId, 'recv'));
    const producers = room.listProducers();
    const caps = (rtpCapabilities ?? routerRtpCapabilities) as types.RtpCapabilities;
    const made = await Promise.all(
      producers.map((p) =>
        room.consume(peerId, transport.id, p.id, caps).catch((err: unknown) => {
          log.debug({ err, roomId, producerId: p.id }, 'media:watch: track left for media:consume');
          return null;
        }),
      ),
    );
    return { routerRtpCapabilities, producers, transport, consumers: made.filter((c) => c !== null) };
  });

  on(socket, 'media:connectTransport', log, async ({ roomId, transportId, dtlsParameters }) => {
    await media(async () => (await existing(roomId)).connectTransport(peerId, transportId, dtlsParameters as types.DtlsParameters));
    return {};
  });

  on(socket, 'media:closeTransport', log, async ({ roomId, transportId }) => {
    await media(async () => (await existing(roomId)).closeTransport(peerId, transportId));
    return {};
  });

  on(socket, 'media:restartIce', log, async ({ roomId, transportId }) => ({
    iceParameters: await media(async () => (await existing(roomId)).restartIce(peerId, transportId)),
  }));

  // The creator's client back on a new connection takes its held transport and tracks (docs/media.md, reconnect grace).
  on(socket, 'media:reattach', log, async ({ roomId, transportId }) => {
    await joined(roomId);
    await creatorOnly(roomId);
    return { producers: await media(async () => (await existing(roomId)).claimPeer(peerId, transportId)) };
  });

  on(socket, 'media:produce', log, async ({ roomId, transportId, kind, rtpParameters, paused }) => {
    await joined(roomId);
    await creatorOnly(roomId);
    const room = await existing(roomId);
    const produced = await media(() => room.produce(peerId, transportId, kind, rtpParameters as types.RtpParameters, paused));
    // A room has one publisher, its creator: publishing anew (say, the studio page reloaded, which cannot reattach)
    // replaces tracks still held from a dropped connection, so viewers do not watch a frozen picture until it expires.
    room.closeHeld();
    return produced;
  });

  on(socket, 'media:pauseProducer', log, async ({ roomId, producerId }) => {
    await media(async () => (await existing(roomId)).pauseProducer(peerId, producerId));
    return {};
  });

  on(socket, 'media:resumeProducer', log, async ({ roomId, producerId }) => {
    await media(async () => (await existing(roomId)).resumeProducer(peerId, producerId));
    return {};
  });

  on(socket, 'media:closeProducer', log, async ({ roomId, producerId }) => {
    await media(async () => (await existing(roomId)).closeProducer(peerId, producerId));
    return {};
  });

  on(socket, 'media:consume', log, ({ roomId, transportId, producerId, rtpCapabilities }) =>
    media(async () => (await existing(roomId)).consume(peerId, transportId, producerId, rtpCapabilities as types.RtpCapabilities)),
  );

  on(socket, 'media:resume', log, async ({ roomId, consumerId }) => {
    await media(async () => (await existing(roomId)).resumeConsumer(peerId, consumerId));
    return {};
  });

  on(socket, 'media:pause', log, async ({ roomId, consumerId }) => {
    await media(async () => (await existing(roomId)).pauseConsumer(peerId, consumerId));
    return {};
  });

  on(socket, 'media:setPreferredLayers', log, async ({ roomId, consumerId, spatialLayer, temporalLayer }) => {
    const layers = await media(async () =>
      (await existing(roomId)).setPreferredLayers(
        peerId,
        consumerId,
        temporalLayer === undefined ? { spatialLayer } : { spatialLayer, temporalLayer },
      ),
    );
    return { preferredLayers: layers ?? null };
  });
}
