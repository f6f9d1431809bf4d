import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { policy } from '../../server/edge/policy.ts';

// Clips (issue 18): the roles of the room's products; drafts are its staff's (test/recording/clip-bad-input.test.ts
// checks the same through the routes).
describe('clip roles', () => {
  const room = { creatorId: 'c1', agencyId: 'ag1' };
  const p = (role: Principal['role'], userId: string, agencyId?: string): Principal => ({
    userId,
    name: userId,
    role,
    ...(agencyId ? { agencyId } : {}),
  });
  it("the room's creator, its agency's owner and admins cut; another agency, moderators and viewers do not; drafts are its staff's", () => {
    expect(policy.canClipRoom(p('creator', 'c1', 'ag1'), room)).toBe(true);
    expect(policy.canClipRoom(p('agency', 'o1', 'ag1'), room)).toBe(true);
    expect(policy.canClipRoom(p('admin', 'a'), room)).toBe(true);
    expect(policy.canClipRoom(p('agency', 'o2', 'ag2'), room)).toBe(false);
    expect(policy.canClipRoom(p('moderator', 'm1', 'ag1'), room)).toBe(false);
    expect(policy.canClipRoom(p('creator', 'c2', 'ag1'), room)).toBe(false);
    expect(policy.canWatchClip(p('viewer', 'v'), room, true)).toBe(true);
    expect(policy.canWatchClip(p('viewer', 'v'), room, false)).toBe(false);
    expect(policy.canWatchClip(p('moderator', 'm1', 'ag1'), room, false)).toBe(true);
  });
});
