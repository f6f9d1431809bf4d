import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { policy, type ModerationTarget } from '../../server/edge/policy.ts';
import { AppError } from '../../server/kernel/errors.ts';

/**
 * The access policy (server/edge/policy.ts) as a role x action table, pure: every named check, asked by every kind of
 * principal, against one agency room (creator c1 of agency ag1) and one independent room (creator c4, no agency).
 * test/rooms/access-matrix.test.ts checks the same rules end to end through the routes and events.
 */
const ACTORS = {
  viewer: { userId: 'v1', role: 'viewer' },
  roomCreator: { userId: 'c1', role: 'creator', agencyId: 'ag1' },
  sameAgencyCreator: { userId: 'c2', role: 'creator', agencyId: 'ag1' },
  otherAgencyCreator: { userId: 'c3', role: 'creator', agencyId: 'ag2' },
  independentCreator: { userId: 'c4', role: 'creator' },
  moderator: { userId: 'm1', role: 'moderator', agencyId: 'ag1' },
  otherAgencyModerator: { userId: 'm2', role: 'moderator', agencyId: 'ag2' },
  // A moderator whose claim the roster dropped (AgencyStore.effective): no agency left.
  unlistedModerator: { userId: 'm9', role: 'moderator' },
  agencyOwner: { userId: 'owner1', role: 'agency', agencyId: 'ag1' },
  otherAgencyOwner: { userId: 'owner2', role: 'agency', agencyId: 'ag2' },
  admin: { userId: 'root', role: 'admin' },
} as const satisfies Record<string, Omit<Principal, 'name'>>;
type Actor = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as Actor[];
const principal = (a: Actor): Principal => ({ ...ACTORS[a], name: a });

const agencyRoom = { creatorId: 'c1', agencyId: 'ag1' };
const independentRoom = { creatorId: 'c4', agencyId: null };

const ROOM_STAFF: Actor[] = ['roomCreator', 'moderator', 'agencyOwner', 'admin'];
const MODERATORS: Actor[] = ['moderator', 'otherAgencyModerator', 'unlistedModerator'];

/** A moderation target: a plain user unless the roster says otherwise. */
const target = (t: Partial<ModerationTarget> & { userId: string }): ModerationTarget => ({
  roomCreator: false,
  agencyOwner: false,
  agencyCreator: false,
  agencyModerator: false,
  ...t,
});
const AGENCY_STAFF: Actor[] = ['moderator', 'agencyOwner', 'admin'];

/** Each action: the check, and exactly who may. Everyone else is denied. */
const TABLE: Record<string, { check: (p: Principal) => boolean; allowed: Actor[] }> = {
  'create a room': {
    check: (p) => policy.canCreateRoom(p),
    allowed: ['roomCreator', 'sameAgencyCreator', 'otherAgencyCreator', 'independentCreator', 'admin'],
  },
  'watch a ready recording': { check: (p) => policy.canWatchRecording(p, agencyRoom, 'ready'), allowed: EVERYONE },
  'watch a recording in progress': { check: (p) => policy.canWatchRecording(p, agencyRoom, 'recording'), allowed: EVERYONE },
  'watch a failed recording': { check: (p) => policy.canWatchRecording(p, agencyRoom, 'failed'), allowed: ROOM_STAFF },
  'go live': { check: (p) => policy.canGoLive(p, agencyRoom), allowed: ['roomCreator', 'admin'] },
  'publish video or audio': { check: (p) => policy.canPublish(p, agencyRoom), allowed: ['roomCreator'] },
  'end, products, pin, sales': { check: (p) => policy.canManageRoom(p, agencyRoom), allowed: ['roomCreator', 'agencyOwner', 'admin'] },
  'moderate a room, its orders and media stats': { check: (p) => policy.canModerateRoom(p, agencyRoom), allowed: ROOM_STAFF },
  "a room's analytics": { check: (p) => policy.canSeeRoomAnalytics(p, agencyRoom), allowed: ROOM_STAFF },
  'select shop products into a room, or take them off': { check: (p) => policy.canSelectIntoRoom(p, agencyRoom), allowed: ROOM_STAFF },
  'independent room: select shop products': {
    check: (p) => policy.canSelectIntoRoom(p, independentRoom),
    allowed: ['independentCreator', 'admin'],
  },
  'independent room: go live': { check: (p) => policy.canGoLive(p, independentRoom), allowed: ['independentCreator', 'admin'] },
  'independent room: end, products, sales': {
    check: (p) => policy.canManageRoom(p, independentRoom),
    allowed: ['independentCreator', 'admin'],
  },
  'independent room: moderate': { check: (p) => policy.canModerateRoom(p, independentRoom), allowed: ['independentCreator', 'admin'] },
  'agency-wide moderation and reads (ag1)': { check: (p) => policy.canModerateAgency(p, 'ag1'), allowed: AGENCY_STAFF },
  'change the roster (ag1)': { check: (p) => policy.canManageAgency(p, 'ag1'), allowed: ['agencyOwner', 'admin'] },
  'register an agency': { check: (p) => policy.canRegisterAgency(p), allowed: ['admin'] },
  "c1's crowd (stages, flows, export of people)": { check: (p) => policy.canSeeCreatorCrowd(p, 'c1'), allowed: ['roomCreator', 'admin'] },
  "erase another person's crowd data": { check: (p) => policy.canEraseCrowdPerson(p), allowed: ['admin'] },
  'list agencies': { check: (p) => policy.canListAgencies(p), allowed: ['admin'] },
  'read the platform audit': { check: (p) => policy.canReadPlatformAudit(p), allowed: ['admin'] },
  'see the payment queues': { check: (p) => policy.canSeeQueues(p), allowed: ['admin'] },
  'sign a user out everywhere': { check: (p) => policy.canRevokeSessions(p), allowed: ['admin'] },
  // Mute or ban a user, for whoever may moderate the room or agency at all (canModerateRoom / canModerateAgency).
  "mute or ban the agency's owner": {
    check: (p) => policy.canActOn(p, target({ userId: 'owner1', agencyOwner: true })),
    allowed: EVERYONE.filter((a) => !MODERATORS.includes(a)),
  },
  "mute or ban one of the agency's moderators": {
    check: (p) => policy.canActOn(p, target({ userId: 'm7', agencyModerator: true })),
    allowed: EVERYONE.filter((a) => !MODERATORS.includes(a)),
  },
  'mute or ban oneself, a moderator': {
    check: (p) => policy.canActOn(p, target({ userId: 'm1', agencyModerator: true })),
    allowed: EVERYONE.filter((a) => a !== 'otherAgencyModerator' && a !== 'unlistedModerator'),
  },
  'mute or ban a creator of the agency (in a room not theirs)': {
    check: (p) => policy.canActOn(p, target({ userId: 'c2', agencyCreator: true })),
    allowed: EVERYONE,
  },
  'mute or ban a viewer': { check: (p) => policy.canActOn(p, target({ userId: 'v9' })), allowed: EVERYONE },
};

const ROWS = Object.entries(TABLE).flatMap(([action, { check, allowed }]) =>
  EVERYONE.map((actor) => ({ action, actor, check, allowed: allowed.includes(actor) })),
);

describe('role x action', () => {
  it.each(ROWS)('$action: $actor is allowed = $allowed', ({ actor, check, allowed }) => {
    expect(check(principal(actor))).toBe(allowed);
  });
});

it('every named check of the policy is in the table', () => {
  const checks = Object.keys(policy)
    .filter((k) => k.startsWith('can'))
    .sort();
  const covered = new Set(
    Object.values(TABLE).flatMap(({ check }) => [...check.toString().matchAll(/policy\.(can\w+)/g)].map((m) => m[1]!)),
  );
  // An area's checks may have their own table beside this one (test/unit/policy-<area>.test.ts, e.g. shops).
  const dir = path.dirname(fileURLToPath(import.meta.url));
  for (const file of readdirSync(dir).filter((f) => /^policy-[\w-]+\.test\.ts$/.test(f))) {
    for (const m of readFileSync(path.join(dir, file), 'utf8').matchAll(/policy\.(can\w+)\(/g)) covered.add(m[1]!);
  }
  expect(checks.filter((c) => !covered.has(c))).toEqual([]);
});

it('nobody, admins included, mutes or bans a room creator in their own room, or agency-bans the owner or a roster creator', () => {
  expect(policy.isShielded(target({ userId: 'c1', roomCreator: true }), 'room')).toBe(true);
  // In a room that is not theirs, a creator of the agency is a viewer like any other.
  expect(policy.isShielded(target({ userId: 'c2', agencyCreator: true }), 'room')).toBe(false);
  expect(policy.isShielded(target({ userId: 'owner1', agencyOwner: true }), 'room')).toBe(false);
  expect(policy.isShielded(target({ userId: 'm7', agencyModerator: true }), 'room')).toBe(false);
  expect(policy.isShielded(target({ userId: 'c2', agencyCreator: true }), 'agency')).toBe(true);
  expect(policy.isShielded(target({ userId: 'owner1', agencyOwner: true }), 'agency')).toBe(true);
  expect(policy.isShielded(target({ userId: 'm7', agencyModerator: true }), 'agency')).toBe(false);
  expect(policy.isShielded(target({ userId: 'v9' }), 'agency')).toBe(false);
  // A creator who left the roster is no longer shielded agency-wide (their own rooms still are: isBanned exempts them).
  expect(policy.isShielded(target({ userId: 'c1', roomCreator: true }), 'agency')).toBe(false);
});

it('require refuses with FORBIDDEN (and the given message) and lets an allowed action through', () => {
  expect(() => policy.require(true)).not.toThrow();
  const refusal = (() => {
    try {
      policy.require(policy.canRegisterAgency(principal('agencyOwner')), 'Only platform admins register agencies');
    } catch (err) {
      return err;
    }
  })();
  expect(refusal).toBeInstanceOf(AppError);
  expect((refusal as AppError).toWire()).toEqual({ code: 'FORBIDDEN', message: 'Only platform admins register agencies' });
});

/**
 * Every role check goes through the policy: no server file outside it compares a role. The one exception is the agency
 * roster's `effective()` (server/agency/store.ts), which decides which agency a token's claim resolves to (identity),
 * not what the principal may do. (The pages, browser code deciding what to show, are in web/, outside this walk.)
 */
it('no server code outside the policy compares a role', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const allowed = new Set(['server/edge/policy.ts', 'server/agency/store.ts']);
  // A role compared either way round (`p.role === 'x'`, `'x' === p.role`); other kinds ('creator' as a settlement party
  // or an offer's target) are not roles.
  const roleCheck = /\brole\s*[!=]==|['"](?:admin|creator|agency|moderator|viewer)['"]\s*[!=]==\s*[\w.]*\brole\b/;
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(root, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !allowed.has(rel)) {
        readFileSync(path.join(root, rel), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (roleCheck.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk('server');
  expect(offenders, 'add a named check to server/edge/policy.ts and call it instead').toEqual([]);
});
