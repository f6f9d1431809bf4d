import type { Registry } from 'prom-client';
import { MediaService } from '../../media/mediaService.ts';
import type { RoomMedia } from '../../media/roomMedia.ts';
import type { Domain, HawkerContext, HawkerSocket } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { roomChannel } from '../kernel/channels.ts';
import { closeAll } from '../kernel/closeAll.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { RoomService } from '../rooms/service.ts';
import { registerMediaMetrics } from './metrics.ts';
import { mediaRoutes } from './routes.ts';
import { registerSignaling } from './signaling.ts';

/**
 * Live video (issue 5): wires media/ (mediasoup, no Socket.IO) to the room's connection. Signaling events are in
 * protocol/media.ts; room hooks close a leaving connection's media (a creator's dropped connection: after the reconnect
 * grace, unless it comes back) and a room's media when it ends; room media events become pushes (new/paused/closed
 * tracks to the room, closed consumers and "reconnect media" to the viewers concerned).
 */
export function createStream(
  ctx: HawkerContext,
  auth: Auth,
  rooms: RoomService,
  metrics: Registry,
): Domain & { media: MediaService; hook: RoomHook; onConnection(socket: HawkerSocket): void } {
  const { config, io } = ctx;
  const log = ctx.log.child({ module: 'stream' });
  const media = new MediaService(
    ctx.media,
    {
      consumersPerRouter: config.MEDIASOUP_CONSUMERS_PER_ROUTER,
      maxConsumersPerWorker: config.MEDIASOUP_MAX_CONSUMERS_PER_WORKER,
      keyFrameRequestDelayMs: config.MEDIASOUP_KEYFRAME_REQUEST_DELAY_MS,
      maxIncomingBitrate: config.MEDIASOUP_MAX_INCOMING_BITRATE,
      initialAvailableOutgoingBitrate: config.MEDIASOUP_INITIAL_OUTGOING_BITRATE,
    },
    ctx.log.child({ module: 'media' }),
  );

  /** Pushes to one local connection (a room's media and its peers are always on this node). */
  const toPeer = (peerId: string) => io.sockets.sockets.get(peerId);

  media.on('room', (room: RoomMedia) => {
    const { roomId } = room;
    const channel = roomChannel(roomId);
    room.on('produceradded', (producer) => io.to(channel).emit('media:producerAdded', { roomId, producer }));
    room.on('producerstate', (producerId, paused) => io.to(channel).emit('media:producerState', { roomId, producerId, paused }));
    room.on('producerclosed', (producerId) => io.to(channel).emit('media:producerClosed', { roomId, producerId }));
    room.on('consumerclosed', (peerId, consumerId, producerId, reason) =>
      toPeer(peerId)?.emit('media:consumerClosed', { roomId, consumerId, producerId, reason }),
    );
    room.on('reconnect', (peerIds, reason) => {
      for (const peerId of peerIds) toPeer(peerId)?.emit('media:reconnect', { roomId, reason });
    });
  });

  const hook: RoomHook = {
    name: 'media',
    // Early on end: a room's routers and transports hold mediasoup workers' capacity, freed before the slower Redis
    // clean-ups. Joins and leaves: independent of the other hooks.
    priority: 800,
    async afterJoin(room, socket) {
      // Socket.IO recovered this connection under its old id: the same peer is back, and keeps the media held for it.
      if (socket.recovered) media.get(room.id)?.reattachPeer(socket.id);
    },
    async afterLeave(roomId, socket, cause) {
      // A broken connection's client is probably reconnecting: a publisher's tracks are held for it meanwhile (viewers
      // keep watching); leaving on purpose closes at once.
      if (cause === 'dropped') media.get(roomId)?.detachPeer(socket.id, config.STREAM_RECONNECT_GRACE_MS);
      else media.get(roomId)?.closePeer(socket.id);
    },
    async onEnded(roomId) {
      media.closeRoom(roomId, 'roomClosed');
    },
  };

  ctx.app.use(mediaRoutes(media, rooms, auth));
  const releaseMetrics = registerMediaMetrics(metrics, media);

  return {
    name: 'stream',
    media,
    hook,
    onConnection(socket) {
      registerSignaling(socket, { media, rooms, log });
    },
    close() {
      return closeAll('stream', [
        ['media metrics', releaseMetrics],
        ['room media', () => media.close()],
      ]);
    },
  };
}
