import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { policy } from '../../server/edge/policy.ts';

/**
 * The selection and settlement checks of the access policy (server/edge/policy.ts), pure: who sets a shop's commission
 * terms, who reviews them, who applies for whom, who reads which statement. test/selection/ and test/settlement/ check
 * the same rules end to end through the routes.
 */
const ACTORS = {
  merchantOwner: { userId: 'm1', role: 'merchant' },
  otherMerchant: { userId: 'm2', role: 'merchant' },
  staffViewer: { userId: 'st1', role: 'viewer' },
  creator: { userId: 'c1', role: 'creator', agencyId: 'ag1' },
  otherCreator: { userId: 'c3', role: 'creator' },
  viewer: { userId: 'v1', role: 'viewer' },
  moderator: { userId: 'mod1', role: 'moderator', agencyId: 'ag1' },
  agencyOwner: { userId: 'owner1', role: 'agency', agencyId: 'ag1' },
  otherAgencyOwner: { userId: 'owner2', role: 'agency', agencyId: 'ag2' },
  admin: { userId: 'root', role: 'admin' },
} as const satisfies Record<string, Omit<Principal, 'name'>>;
type Actor = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as Actor[];
const p = (a: Actor): Principal => ({ ...ACTORS[a], name: a });
const shop = { ownerId: 'm1', kind: 'merchant', staff: ['st1'] } as const;
const allowed = (check: (x: Principal) => boolean) => EVERYONE.filter((a) => check(p(a)));

describe('selection policy', () => {
  it('the shop owner and admins set commissions; staff review and answer applications', () => {
    expect(allowed((x) => policy.canSetCommissions(x, shop))).toEqual(['merchantOwner', 'admin']);
    expect(allowed((x) => policy.canReviewSelection(x, shop))).toEqual(['merchantOwner', 'staffViewer', 'admin']);
  });

  it('creators apply for themselves; their agency owner or moderators for roster creators; admins for anyone', () => {
    expect(allowed((x) => policy.canApplyFor(x, x.userId, false))).toEqual(['creator', 'otherCreator', 'admin']);
    expect(allowed((x) => policy.canApplyFor(x, 'c1', false))).toEqual(['creator', 'admin']);
    expect(allowed((x) => policy.canApplyFor(x, 'c1', true))).toEqual(['creator', 'moderator', 'agencyOwner', 'otherAgencyOwner', 'admin']);
    expect(allowed((x) => policy.canSell(x))).toEqual(['creator', 'otherCreator', 'admin']);
  });

  it("statements: a creator's for themself, an agency's for its owner, admins for all", () => {
    expect(allowed((x) => policy.canReadSettlement(x, { creatorId: 'c1' }))).toEqual(['creator', 'admin']);
    expect(allowed((x) => policy.canReadSettlement(x, { agencyId: 'ag1' }))).toEqual(['agencyOwner', 'admin']);
  });
});
