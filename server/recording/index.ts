import type { MediaService } from '../../media/mediaService.ts';
import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { createRedis } from '../kernel/redis.ts';
import type { RoomHook, RoomService } from '../rooms/index.ts';
import { clipRoutes } from './clipRoutes.ts';
import { type ClipDeps, ClipService } from './clips.ts';
import { ClipStore } from './clipStore.ts';
import { startRetention } from './retention.ts';
import { recordingRoutes } from './routes.ts';
import { RecordingService } from './service.ts';
import { RecordingStore } from './store.ts';
import { tapTimeline } from './timeline.ts';

export {
  LocalDiskStorage,
  type MediaStorage,
  type RecordingStorage,
  StorageError,
  type StorageErrorCode,
  type StoredFile,
} from './storage.ts';
export { S3Storage, type S3StorageOptions } from './s3.ts';
export { MEDIA_QUOTA_LIMIT, MediaQuota, type StoredBytesSource } from './quota.ts';
export { storageOwner } from './store.ts';
export { RecordingService } from './service.ts';
export { ClipService, type ClipDeps } from './clips.ts';

/**
 * Recording and replay (issue 18, docs/replay.md): records each live on the node that holds its creator's media, keeps
 * its shopping timeline from the room's pushes, and serves both over REST.
 */
export function createRecording(
  ctx: HawkerContext,
  auth: Auth,
  rooms: RoomService,
  media: MediaService,
): Domain & { service: RecordingService; hook: RoomHook } {
  const store = new RecordingStore(ctx.dbBulk);
  const service = new RecordingService(ctx, media, rooms.store, store);
  const untap = tapTimeline(ctx.io, store, ctx.log.child({ module: 'recording' }));
  ctx.app.use(recordingRoutes(service, rooms.store, auth));
  // Retention (RECORDING_RETENTION_DAYS; 0 keeps recordings for ever): a repeatable BullMQ job, run by one node at a
  // time, among the nodes that record (a node with RECORDING=false neither records nor cleans up).
  const days = ctx.config.RECORDING_RETENTION_DAYS;
  const retentionConn =
    ctx.config.RECORDING && days > 0
      ? createRedis(ctx.redisUrl, ctx.log.child({ conn: 'recording-retention' }), { maxRetriesPerRequest: null })
      : undefined;
  const retention =
    retentionConn &&
    startRetention({
      connection: retentionConn,
      keyPrefix: ctx.config.REDIS_KEY_PREFIX,
      store,
      storage: service.mediaStorage,
      retentionMs: days * 24 * 3600_000,
      everyMs: ctx.config.RECORDING_RETENTION_EVERY_MS,
      log: ctx.log.child({ job: 'recording-retention' }),
    });
  const hook: RoomHook = {
    name: 'recording',
    // Before media (800) on end: ffmpeg stops cleanly (its last segment, #EXT-X-ENDLIST) while the creator's packets
    // still flow; once they stop, its blocked read would hold the stop for seconds. So the pushes of the other end
    // hooks (the sales' sale:ended...) fall after the recording's end. On live: no constraint.
    priority: 850,
    async onLive(room) {
      service.consider(room.id);
    },
    async onEnded(roomId) {
      await service.stop(roomId);
    },
  };
  return {
    name: 'recording',
    service,
    hook,
    async close() {
      await untap();
      await retention?.close();
      await retentionConn?.quit().catch(() => retentionConn.disconnect());
      await service.close();
    },
  };
}

/**
 * Shoppable clips (issue 18, docs/replay.md, "Clips"): cut from this node's recordings' storage into their own files,
 * with products attached, published to the clips feed.
 */
export function createClips(
  ctx: HawkerContext,
  auth: Auth,
  recording: RecordingService,
  deps: ClipDeps,
): Domain & { service: ClipService } {
  const service = new ClipService(ctx, recording, new ClipStore(ctx.dbBulk), deps);
  ctx.app.use(clipRoutes(service, auth));
  return {
    name: 'clips',
    service,
    async close() {
      await service.close();
    },
  };
}
