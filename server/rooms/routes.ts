import { Router } from 'express';
import type { Auth } from '../auth/index.ts';
import { CreateRoomBody, EndRoomBody, ListRoomsQuery, RoomIdParams } from '@hawker/protocol';
import type { RoomService } from './service.ts';

/** REST for rooms: create/schedule, go live, end, list, get. */
export function roomRoutes(rooms: RoomService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    '/api/rooms',
    rest({ body: CreateRoomBody, status: 201 }, ({ body, principal }) => rooms.create(principal, body)),
  );
  r.get(
    '/api/rooms',
    rest({ query: ListRoomsQuery }, async ({ query }) => ({ rooms: await rooms.store.list(query) })),
  );
  r.get(
    '/api/rooms/:roomId',
    rest({ params: RoomIdParams }, ({ params }) => rooms.store.mustGet(params.roomId)),
  );
  r.post(
    '/api/rooms/:roomId/live',
    rest({ params: RoomIdParams }, ({ params, principal }) => rooms.goLive(principal, params.roomId)),
  );
  r.post(
    '/api/rooms/:roomId/end',
    rest({ params: RoomIdParams, body: EndRoomBody }, ({ params, body, principal }) => rooms.end(principal, params.roomId, body.reason)),
  );
  return r;
}
