import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { policy as access } from '../../../server/edge/policy.ts';
import { AppError } from '../../../server/kernel/errors.ts';

const who = (role: Principal['role'], userId: string, agencyId?: string): Principal => ({
  userId,
  name: userId,
  role,
  ...(agencyId ? { agencyId } : {}),
});

const agencyRoom = { creatorId: 'c1', agencyId: 'ag1' };
const indieRoom = { creatorId: 'c2', agencyId: null };

describe('canManageRoom (go live, end, products, sales)', () => {
  it.each([
    ['admin', who('admin', 'root'), agencyRoom, true],
    ['admin, independent room', who('admin', 'root'), indieRoom, true],
    ['its creator', who('creator', 'c1', 'ag1'), agencyRoom, true],
    ['another creator of the same agency', who('creator', 'c9', 'ag1'), agencyRoom, false],
    ['its agency owner', who('agency', 'boss', 'ag1'), agencyRoom, true],
    ["another agency's owner", who('agency', 'boss2', 'ag2'), agencyRoom, false],
    ['an agency owner, independent room', who('agency', 'boss', 'ag1'), indieRoom, false],
    ['an agency owner without an agency, independent room', who('agency', 'boss'), indieRoom, false],
    ["the agency's moderator", who('moderator', 'm1', 'ag1'), agencyRoom, false],
    ['a viewer', who('viewer', 'v1', 'ag1'), agencyRoom, false],
  ] as const)('%s: %s', (_name, p, room, allowed) => {
    expect(access.canManageRoom(p, room)).toBe(allowed);
  });
});

describe('canModerateRoom (delete, mute, ban, slow mode, keywords)', () => {
  it.each([
    ['a manager (creator)', who('creator', 'c1'), agencyRoom, true],
    ["the agency's moderator", who('moderator', 'm1', 'ag1'), agencyRoom, true],
    ["another agency's moderator", who('moderator', 'm2', 'ag2'), agencyRoom, false],
    ['a moderator without agency, independent room', who('moderator', 'm3'), indieRoom, false],
    ['a viewer', who('viewer', 'v1', 'ag1'), agencyRoom, false],
  ] as const)('%s: %s', (_name, p, room, allowed) => {
    expect(access.canModerateRoom(p, room)).toBe(allowed);
  });
});

describe('agency-wide actions', () => {
  it("the console and agency bans: the agency's owner and moderators, admins; not its creators, not other agencies", () => {
    expect(access.canModerateAgency(who('admin', 'root'), 'ag1')).toBe(true);
    expect(access.canModerateAgency(who('agency', 'boss', 'ag1'), 'ag1')).toBe(true);
    expect(access.canModerateAgency(who('moderator', 'm1', 'ag1'), 'ag1')).toBe(true);
    expect(access.canModerateAgency(who('moderator', 'm2', 'ag2'), 'ag1')).toBe(false);
    expect(access.canModerateAgency(who('creator', 'c1', 'ag1'), 'ag1')).toBe(false);
    expect(access.canModerateAgency(who('viewer', 'v1', 'ag1'), 'ag1')).toBe(false);
  });

  it('the roster: the agency owner and admins only', () => {
    expect(access.canManageAgency(who('admin', 'root'), 'ag1')).toBe(true);
    expect(access.canManageAgency(who('agency', 'boss', 'ag1'), 'ag1')).toBe(true);
    expect(access.canManageAgency(who('agency', 'boss2', 'ag2'), 'ag1')).toBe(false);
    expect(access.canManageAgency(who('moderator', 'm1', 'ag1'), 'ag1')).toBe(false);
  });
});

it('require throws FORBIDDEN (with the message given) unless allowed', () => {
  expect(() => access.require(true)).not.toThrow();
  let err: unknown;
  try {
    access.require(false, "Only the room's staff can do that");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code: 'FORBIDDEN', message: "Only the room's staff can do that" });
});
