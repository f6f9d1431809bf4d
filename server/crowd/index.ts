import { Router } from 'express';
import {
  CrowdErasureBody,
  CrowdParams,
  CrowdPeopleQuery,
  CrowdQuery,
  CrowdTouchBody,
  type CrowdTouchResult,
  RoomIdParams,
  type CrowdSource,
  type Room,
} from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import { roomIdOfChannel } from '../kernel/channels.ts';
import type { Domain, HawkerContext, HawkerIo } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import { tapBroadcasts } from '../kernel/broadcastTap.ts';
import type { Logger } from '../kernel/log.ts';
import { ImmutableMemo } from '../kernel/memo.ts';
import { Ticker } from '../kernel/ticker.ts';
import type { MerchantScopes } from '../exports/index.ts';
import type { RoomHook } from '../rooms/hooks.ts';
import type { RoomService } from '../rooms/service.ts';
import { CrowdPipeline, type CrowdScope } from './pipeline.ts';
import { CrowdService } from './service.ts';
import { CrowdStore } from './store.ts';

export { CrowdPipeline } from './pipeline.ts';
export { CrowdStore } from './store.ts';

/** What the crowd needs to attribute an event to creators, agencies and shops (wired in server/domains.ts). */
export interface CrowdDeps {
  rooms: RoomService;
  scopes: MerchantScopes;
  /** The shop a room's product was selected from (null: the room's own product). */
  roomProductShop(roomId: string, productId: string): Promise<string | null>;
  /** The shop of a shop product. */
  productShop(productId: string): Promise<string | null>;
  /** A known creator (one who opened a room) and their agency; null: unknown. */
  creator(creatorId: string): Promise<{ agencyId: string | null } | null>;
  /** Whether a shop exists. */
  shopExists(shopId: string): Promise<boolean>;
  /** The room a clip was cut from (null: no such clip); a clip opened from search counts towards its room's scopes. */
  clipRoom?(clipId: string): Promise<string | null>;
}

const MEMO_MAX = 10_000;

/**
 * Crowd assets, post-live reports and the viewer-event pipeline (issue 19; docs/centre-field.md). Events arrive from
 * the room hooks (join, leave: watch time), the likes, analytics (product clicks), follows and search domains'
 * listeners, page touches (POST /api/crowd/touch: visits and their source, replay and clip watching) and the room's
 * pin and sale pushes; each is attributed to its creator, agency and shop and summed in this node's CrowdPipeline.
 */
export function createCrowd(ctx: HawkerContext, { rest }: Auth, deps: CrowdDeps) {
  const log = ctx.log.child({ module: 'crowd' });
  const store = new CrowdStore(ctx.dbBulk);
  const pipeline = new CrowdPipeline(
    newId(),
    store,
    { maxRows: ctx.config.CROWD_BUFFER_MAX, creditMs: ctx.config.CROWD_WATCH_CREDIT_MS },
    log,
  );
  const service = new CrowdService(store, pipeline, deps.scopes, deps.rooms, ctx.config);
  const rooms = new ImmutableMemo<string, Pick<Room, 'creatorId' | 'agencyId'>>(MEMO_MAX, async (roomId) => {
    const room = await deps.rooms.store.get(roomId);
    return room && { creatorId: room.creatorId, agencyId: room.agencyId };
  });
  const roomScopes = (room: Pick<Room, 'creatorId' | 'agencyId'>): CrowdScope[] => [
    { kind: 'creator', id: room.creatorId },
    ...(room.agencyId ? [{ kind: 'agency' as const, id: room.agencyId }] : []),
  ];
  const creatorScopes = async (creatorId: string): Promise<CrowdScope[]> => {
    const creator = await deps.creator(creatorId);
    if (!creator) return [];
    return [{ kind: 'creator', id: creatorId }, ...(creator.agencyId ? [{ kind: 'agency' as const, id: creator.agencyId }] : [])];
  };
  /** Runs an attribution off the caller's path; a failure loses that event only, and is logged. */
  const later = (what: string, fn: () => Promise<void>) =>
    void fn().catch((err: Error) => log.warn({ err: err.message, what }, 'crowd event not recorded'));

  // CROWD_PIPELINE=false: nothing is tapped or buffered (listeners, room hook, touches, markers); readings still work.
  const on = ctx.config.CROWD_PIPELINE;
  const listeners = {
    like(userId: string, roomId: string, count: number) {
      if (!on) return;
      later('like', async () => {
        const room = await rooms.get(roomId);
        if (!room) return;
        pipeline.like(roomId, userId, roomScopes(room), count, Date.now());
      });
    },
    click(userId: string, roomId: string, productId: string) {
      if (!on) return;
      later('click', async () => {
        const [room, shopId] = await Promise.all([rooms.get(roomId), deps.roomProductShop(roomId, productId)]);
        if (!room) return;
        const now = Date.now();
        const scopes = roomScopes(room);
        if (shopId) scopes.push({ kind: 'shop', id: shopId });
        pipeline.fact(scopes, userId, { clicks: 1 }, null, now);
        pipeline.viewer(roomId, userId, { clicks: 1 }, null, now);
        pipeline.minute(roomId, { clicks: 1 }, now);
      });
    },
    follow(userId: string, creatorId: string) {
      if (!on) return;
      later('follow', async () => {
        const scopes = await creatorScopes(creatorId);
        if (scopes.length) pipeline.fact(scopes, userId, { follows: 1 }, null, Date.now());
      });
    },
    searchClick(userId: string, kind: string, id: string) {
      if (!on) return;
      later('search', async () => {
        let scopes: CrowdScope[] = [];
        if (kind === 'product') {
          const shopId = await deps.productShop(id);
          if (shopId) scopes = [{ kind: 'shop', id: shopId }];
        } else if (kind === 'creator') scopes = await creatorScopes(id);
        else if (kind === 'room' || kind === 'clip') {
          const roomId = kind === 'room' ? id : await deps.clipRoom?.(id);
          const room = roomId ? await rooms.get(roomId) : null;
          if (room) scopes = roomScopes(room);
        }
        if (scopes.length) pipeline.fact(scopes, userId, { searches: 1 }, 'search', Date.now());
      });
    },
  };

  const hook: RoomHook = {
    name: 'crowd',
    priority: -400,
    async afterJoin(room, socket) {
      if (on) pipeline.join(socket.id, room.id, socket.data.principal.userId, roomScopes(room), Date.now());
    },
    async afterLeave(roomId, socket) {
      if (on) pipeline.leave(socket.id, roomId, Date.now());
    },
    onScheduled: (room) => store.room(room.id, room.creatorId, room.agencyId),
    onLive: (room) => store.room(room.id, room.creatorId, room.agencyId),
  };

  const r = Router();
  r.get(
    '/api/crowd/:kind/:id',
    rest({ params: CrowdParams, query: CrowdQuery }, ({ params, query, principal }) =>
      service.overview(principal, params.kind, params.id, query),
    ),
  );
  r.get(
    '/api/crowd/:kind/:id/people.csv',
    rest({ params: CrowdParams, query: CrowdPeopleQuery }, async ({ params, query, principal, res }) => {
      const lines = await service.peopleCsv(principal, params.kind, params.id, query);
      sendCsv(res, `${params.kind}-${params.id}-${query.stage}.csv`, lines);
    }),
  );
  r.post(
    '/api/crowd/touch',
    rest({ body: CrowdTouchBody }, async ({ body, principal }): Promise<CrowdTouchResult> => {
      let scopes: CrowdScope[] = [];
      if (body.roomId) {
        const room = await rooms.get(body.roomId);
        if (!room) throw AppError.notFound(`Room ${body.roomId}`);
        scopes = roomScopes(room);
      } else if (body.creatorId) {
        scopes = await creatorScopes(body.creatorId);
        if (!scopes.length) throw AppError.notFound(`Creator ${body.creatorId}`);
      }
      if (body.shopId) {
        if (!(await deps.shopExists(body.shopId))) throw AppError.notFound(`Shop ${body.shopId}`);
        scopes.push({ kind: 'shop', id: body.shopId });
      }
      if (body.kind === 'click' && body.productId && !body.shopId) {
        // The product's shop counts the click too (a room's own product has none); an unknown product is refused.
        const shopId = body.roomId ? await deps.roomProductShop(body.roomId, body.productId) : await deps.productShop(body.productId);
        if (!body.roomId && !shopId) throw AppError.notFound(`Product ${body.productId}`);
        if (shopId) scopes.push({ kind: 'shop', id: shopId });
      }
      if (!on) return { recorded: false };
      const now = Date.now();
      const add = body.kind === 'visit' ? { visits: 1 } : body.kind === 'click' ? { clicks: 1 } : { watchSeconds: body.seconds ?? 0 };
      const recorded = pipeline.fact(scopes, principal.userId, add, body.source satisfies CrowdSource, now);
      if (body.roomId) pipeline.viewer(body.roomId, principal.userId, body.kind === 'visit' ? {} : add, body.source, now);
      return { recorded };
    }),
  );
  r.delete(
    '/api/crowd/me',
    rest({}, ({ principal }) => service.erase(principal, principal.userId)),
  );
  r.post(
    '/api/admin/crowd/erasures',
    rest({ body: CrowdErasureBody }, ({ body, principal }) => service.erase(principal, body.userId)),
  );
  r.get(
    '/api/rooms/:roomId/report',
    rest({ params: RoomIdParams }, ({ params, principal }) => service.report(principal, params.roomId)),
  );
  r.get(
    '/api/rooms/:roomId/report.csv',
    rest({ params: RoomIdParams }, async ({ params, principal, res }) => {
      sendCsv(res, `report-${params.roomId}.csv`, await service.reportCsv(principal, params.roomId));
    }),
  );
  ctx.app.use(r);

  const untap = on ? tapMarkers(ctx.io, pipeline, log) : () => {};
  const ticker = new Ticker('crowd', ctx.config.CROWD_FLUSH_MS, log, () => pipeline.flush()).start();
  const domain: Domain & { service: CrowdService; pipeline: CrowdPipeline; hook: RoomHook; listeners: typeof listeners } = {
    name: 'crowd',
    service,
    pipeline,
    hook,
    listeners,
    async close() {
      untap();
      await ticker.stop();
      await pipeline.flush(); // the last batch
    },
  };
  return domain;
}

function sendCsv(res: import('express').Response, filename: string, lines: readonly string[]): void {
  res.status(200);
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  });
  res.end(lines.join(''));
}

/**
 * Observes the room pushes product:pinned and sale:started (the report's chart markers) through the node's one
 * broadcast tap (server/kernel/broadcastTap.ts), as the recording's timeline does: each node sees the broadcasts it
 * originates, so each marker is recorded once. Returns the unregister.
 */
function tapMarkers(io: HawkerIo, pipeline: CrowdPipeline, log: Logger): () => void {
  return tapBroadcasts(
    io,
    ['product:pinned', 'sale:started'],
    (event, payload, channels) => {
      const kind = event === 'product:pinned' ? 'pin' : 'sale';
      const product = kind === 'pin' ? (payload.product as Record<string, unknown> | undefined)?.id : payload.productId;
      for (const channel of channels) {
        const roomId = roomIdOfChannel(channel);
        if (roomId) pipeline.marker(roomId, kind, typeof product === 'string' ? product : null, Date.now());
      }
    },
    log,
  );
}
