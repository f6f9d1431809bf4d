import { Router } from 'express';
import type { MediaService } from '../../media/mediaService.ts';
import { policy } from '../edge/policy.ts';
import type { Auth } from '../auth/index.ts';
import { AppError } from '../kernel/errors.ts';
import { RoomIdParams } from '@hawker/protocol';
import type { RoomService } from '../rooms/service.ts';

/**
 * GET /api/rooms/:roomId/media/stats: bitrate in and out, loss, keyframe requests, routers and consumers per worker,
 * for whoever may moderate the room. A room's media lives on one node (docs/media.md); other nodes answer 404.
 */
export function mediaRoutes(media: MediaService, rooms: RoomService, { rest }: Auth): Router {
  const r = Router();
  // GET /api/media/capabilities: the routers' RTP capabilities, `{ routerRtpCapabilities }`, the same as media:watch and
  // media:capabilities answer. They depend only on the configured codecs (media/codecs.ts), not on a room or a caller,
  // so a viewer page fetches them with its HTML (`<link rel="preload">` in room.html) and the SDK loads the
  // mediasoup-client Device, its slowest local step, while the join is in flight (issue 17). No token: nothing here is
  // anyone's, and the page has not read its identity yet when the preload starts.
  r.get(
    '/api/media/capabilities',
    rest({ auth: false }, async () => {
      try {
        return { routerRtpCapabilities: await media.rtpCapabilities() };
      } catch (err) {
        throw AppError.unavailable('No media worker is available; retry shortly', err);
      }
    }),
  );
  r.get(
    '/api/rooms/:roomId/media/stats',
    rest({ params: RoomIdParams }, async ({ params, principal }) => {
      const room = await rooms.store.mustGet(params.roomId);
      policy.require(
        policy.canModerateRoom(principal, room),
        "Only the room's creator, its agency's staff or an admin can see its media stats",
      );
      const roomMedia = media.get(params.roomId);
      if (!roomMedia) throw AppError.notFound('Media for this room on this node');
      return roomMedia.stats();
    }),
  );
  return r;
}
