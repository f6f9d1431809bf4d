import { Router } from 'express';
import type { Auth } from '../auth/index.ts';
import { policy } from '../edge/policy.ts';
import { AgencyParams, AuditQuery, CreateAgencyBody, ListAgenciesQuery, RosterParams } from '@hawker/protocol';
import type { AuditLog } from './audit.ts';
import type { AgencyStore, RosterOp } from './store.ts';

/** REST for agencies: register (admins), list (admins), read a roster, change it (owner, admins), agency and platform audit. */
export function agencyRoutes(store: AgencyStore, audit: AuditLog, { rest, sessions }: Auth): Router {
  const r = Router();
  r.post(
    '/api/agencies',
    rest({ body: CreateAgencyBody, status: 201 }, ({ body, principal }) => {
      policy.require(policy.canRegisterAgency(principal), 'Only platform admins register agencies');
      return store.create(principal, body);
    }),
  );
  r.get(
    '/api/agencies',
    rest({ query: ListAgenciesQuery }, async ({ query, principal }) => {
      policy.require(policy.canListAgencies(principal), 'Only platform admins list agencies');
      return { agencies: await store.list(query.limit) };
    }),
  );
  r.get(
    '/api/agencies/:agencyId',
    rest({ params: AgencyParams }, ({ params, principal }) => {
      policy.require(
        policy.canModerateAgency(principal, params.agencyId),
        "Only the agency's owner, its moderators or an admin can read its roster",
      );
      return store.roster(params.agencyId);
    }),
  );
  const roster = (path: string, method: 'put' | 'delete', op: RosterOp) =>
    r[method](
      `/api/agencies/:agencyId/${path}/:userId`,
      rest({ params: RosterParams }, async ({ params, principal }) => {
        policy.require(policy.canManageAgency(principal, params.agencyId), "Only the agency's owner or an admin can change its roster");
        const changed = await store.changeRoster(principal, params.agencyId, op, params.userId);
        // The change reaches the user's open connections too, on every node (this node's before this answers, the
        // others through the adapter): one removed loses the console and the rooms it gave them, one added gains the
        // agency (server/auth/sessions.ts).
        if (changed) await sessions.refresh(params.userId, 'roster');
        return { changed, roster: await store.roster(params.agencyId) };
      }),
    );
  roster('creators', 'put', 'addCreator');
  roster('creators', 'delete', 'removeCreator');
  roster('moderators', 'put', 'addModerator');
  roster('moderators', 'delete', 'removeModerator');
  r.get(
    '/api/agencies/:agencyId/audit',
    rest({ params: AgencyParams, query: AuditQuery }, ({ params, query, principal }) => {
      policy.require(
        policy.canModerateAgency(principal, params.agencyId),
        "Only the agency's owner, its moderators or an admin can read its audit log",
      );
      return audit.read(audit.keys.agency(params.agencyId), query);
    }),
  );
  r.get(
    '/api/audit',
    rest({ query: AuditQuery }, ({ query, principal }) => {
      policy.require(policy.canReadPlatformAudit(principal), 'Only platform admins read the platform audit log');
      return audit.read(audit.keys.all, query);
    }),
  );
  return r;
}
