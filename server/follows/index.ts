import { Router } from 'express';
import { FollowParams, ListFollowsQuery, ListNoticesQuery, MarkNoticesReadBody } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { createRedis } from '../kernel/redis.ts';
import type { RoomHook } from '../rooms/index.ts';
import { type CreatorDirectory, FollowService } from './service.ts';
import { FollowStore } from './store.ts';

export { FollowService, NOTICE_BATCH, NOTICE_QUEUE_NAME, type CreatorDirectory } from './service.ts';
export { FollowStore, type NoticeEvent } from './store.ts';

/** REST for follows and notices: all for the signed-in user, about themselves only. */
export function followRoutes(f: FollowService, { rest }: Auth): Router {
  const r = Router();
  r.put(
    '/api/follows/:creatorId',
    rest({ params: FollowParams }, ({ params, principal }) => f.follow(principal.userId, params.creatorId)),
  );
  r.delete(
    '/api/follows/:creatorId',
    rest({ params: FollowParams }, ({ params, principal }) => f.unfollow(principal.userId, params.creatorId)),
  );
  r.get(
    '/api/me/follows',
    rest({ query: ListFollowsQuery }, ({ query, principal }) => f.following(principal.userId, query.limit, query.cursor)),
  );
  r.get(
    '/api/me/notices',
    rest({ query: ListNoticesQuery }, ({ query, principal }) => f.notices(principal.userId, query)),
  );
  r.post(
    '/api/me/notices/read',
    rest({ body: MarkNoticesReadBody }, ({ body, principal }) => f.markRead(principal.userId, body)),
  );
  return r;
}

/**
 * The follows domain (issue 19): follows, the bounded notice lists, and the going-live fan-out (a BullMQ queue and this
 * node's worker). Its room hook queues a fan-out when a followed creator schedules (a room with `scheduledAt`) or
 * starts a live.
 */
export function createFollows(
  ctx: HawkerContext,
  auth: Auth,
  creators: CreatorDirectory,
): Domain & { service: FollowService; hook: RoomHook } {
  const log = ctx.log.child({ module: 'follows' });
  const queueConn = createRedis(ctx.redisUrl, log.child({ conn: 'notice-queue' }), { maxRetriesPerRequest: null });
  const workerConn = createRedis(ctx.redisUrl, log.child({ conn: 'notice-worker' }), { maxRetriesPerRequest: null });
  const service = new FollowService(
    new FollowStore(ctx.dbBulk),
    creators,
    { FOLLOWS_PER_USER: ctx.config.FOLLOWS_PER_USER, NOTICES_PER_USER: ctx.config.NOTICES_PER_USER },
    ctx.io,
    log,
    queueConn,
    ctx.config.REDIS_KEY_PREFIX,
  );
  service.startWorker(workerConn);
  ctx.app.use(followRoutes(service, auth));
  const hook: RoomHook = {
    name: 'follows',
    // Low: telling followers is bookkeeping after every feature that acts on the room (search indexes it first).
    priority: -200,
    onScheduled: async (room) => {
      if (room.scheduledAt !== null) await service.roomEvent(room, 'live.scheduled');
    },
    onLive: (room) => service.roomEvent(room, 'live.started'),
  };
  return {
    name: 'follows',
    service,
    hook,
    async close() {
      await service.close();
      await Promise.all([queueConn.quit().catch(() => {}), workerConn.quit().catch(() => {})]);
    },
  };
}
