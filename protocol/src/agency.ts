import { z } from 'zod';
import { Role } from './auth.ts';
import { EpochMs, Id, PlainText } from './common.ts';

/** An MCN agency as registered on the platform. */
export const Agency = z.object({
  id: Id,
  name: z.string(),
  /** The user whose `agency`-role token manages the roster. */
  ownerId: Id,
  createdAt: EpochMs,
});
export type Agency = z.infer<typeof Agency>;

/** POST /api/agencies (admins): registers an agency. From then on its roster, not token claims, decides membership. */
export const CreateAgencyBody = z.strictObject({ id: Id, name: PlainText(80), ownerId: Id });
export type CreateAgencyBody = z.infer<typeof CreateAgencyBody>;

/** GET /api/agencies/:agencyId: the agency and its roster. */
export const AgencyRoster = z.object({ agency: Agency, creators: z.array(Id), moderators: z.array(Id) });
export type AgencyRoster = z.infer<typeof AgencyRoster>;

/** PUT / DELETE roster answer: whether the roster changed (false: already so), and the roster after it. */
export const RosterChange = z.object({ changed: z.boolean(), roster: AgencyRoster });
export type RosterChange = z.infer<typeof RosterChange>;

/** Which list of a roster a PUT / DELETE changes. */
export const RosterList = z.enum(['creators', 'moderators']);
export type RosterList = z.infer<typeof RosterList>;

export const AgencyParams = z.strictObject({ agencyId: Id });
/** PUT / DELETE /api/agencies/:agencyId/{creators,moderators}/:userId */
export const RosterParams = z.strictObject({ agencyId: Id, userId: Id });

/** GET /api/agencies query (admins). */
export const ListAgenciesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

/** Everything the audit log records. */
export const AuditAction = z.enum([
  'chat.delete',
  'user.mute',
  'user.unmute',
  'user.ban',
  'user.unban',
  'agency.ban',
  'agency.unban',
  'room.slowMode',
  'room.keywords',
  'agency.keywords',
  'agency.create',
  'roster.addCreator',
  'roster.removeCreator',
  'roster.addModerator',
  'roster.removeModerator',
]);
export type AuditAction = z.infer<typeof AuditAction>;

/** One audit entry: who did what, when, where. */
export const AuditEntry = z.object({
  /** Cursor of this entry in the stream it was read from (pass it as `before` for the next page). */
  cursor: z.string(),
  at: EpochMs,
  actor: z.object({ userId: Id, name: z.string(), role: Role }),
  action: AuditAction,
  roomId: Id.nullable(),
  agencyId: Id.nullable(),
  targetUserId: Id.nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** GET .../audit query: newest first, `before` pages back. */
export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^\d{1,15}-\d{1,10}$/, 'must be a cursor from a previous page')
    .optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({ entries: z.array(AuditEntry), nextBefore: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;
