import { Router } from 'express';
import type { AuditLog } from '../agency/audit.ts';
import type { Auth } from '../auth/index.ts';
import { AgencyParams, AuditQuery } from '@hawker/protocol';
import { RoomIdParams } from '@hawker/protocol';
import type { ModerationService } from './service.ts';

/** REST reads for moderation consoles: a room's and an agency's moderation state, and a room's audit log. */
export function moderationRoutes(mod: ModerationService, audit: AuditLog, { rest }: Auth): Router {
  const r = Router();
  r.get(
    '/api/rooms/:roomId/moderation',
    rest({ params: RoomIdParams }, ({ params, principal }) => mod.roomState(principal, params.roomId)),
  );
  r.get(
    '/api/rooms/:roomId/audit',
    rest({ params: RoomIdParams, query: AuditQuery }, async ({ params, query, principal }) => {
      await mod.authorizeRoom(principal, params.roomId);
      return audit.read(audit.keys.room(params.roomId), query);
    }),
  );
  r.get(
    '/api/agencies/:agencyId/moderation',
    rest({ params: AgencyParams }, ({ params, principal }) => mod.agencyState(principal, params.agencyId)),
  );
  return r;
}
