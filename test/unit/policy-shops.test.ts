import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { policy } from '../../server/edge/policy.ts';

/**
 * The shop checks of the access policy (server/edge/policy.ts) as a role x action table, pure: a merchant's shop
 * (owner m1, staff st1 and c2) and a creator's own shop (owner c1, no staff), asked by every kind of principal.
 * test/shops/shop-access.test.ts checks the same rules end to end through the routes.
 */
const ACTORS = {
  merchantOwner: { userId: 'm1', role: 'merchant' },
  otherMerchant: { userId: 'm2', role: 'merchant' },
  // The owner's account signed in with another role than the shop was opened as.
  merchantOwnerAsViewer: { userId: 'm1', role: 'viewer' },
  // Staff are user ids the owner added, whatever their role.
  staffViewer: { userId: 'st1', role: 'viewer' },
  staffCreator: { userId: 'c2', role: 'creator' },
  creatorOwner: { userId: 'c1', role: 'creator' },
  otherCreator: { userId: 'c3', role: 'creator' },
  viewer: { userId: 'v1', role: 'viewer' },
  moderator: { userId: 'mod1', role: 'moderator', agencyId: 'ag1' },
  agencyOwner: { userId: 'owner1', role: 'agency', agencyId: 'ag1' },
  admin: { userId: 'root', role: 'admin' },
} as const satisfies Record<string, Omit<Principal, 'name'>>;
type Actor = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as Actor[];
const principal = (a: Actor): Principal => ({ ...ACTORS[a], name: a });

const merchantShop = { ownerId: 'm1', kind: 'merchant', staff: ['st1', 'c2'] } as const;
const creatorShop = { ownerId: 'c1', kind: 'creator', staff: [] } as const;

/** Each action: the check, and exactly who may. Everyone else is denied. */
const TABLE: Record<string, { check: (p: Principal) => boolean; allowed: Actor[] }> = {
  'open a merchant shop for m1': {
    check: (p) => policy.canCreateShop(p, { ownerId: 'm1', kind: 'merchant' }),
    allowed: ['merchantOwner', 'admin'],
  },
  'open a creator shop for c1': {
    check: (p) => policy.canCreateShop(p, { ownerId: 'c1', kind: 'creator' }),
    allowed: ['creatorOwner', 'admin'],
  },
  'open a creator shop for m1 (a merchant)': {
    check: (p) => policy.canCreateShop(p, { ownerId: 'm1', kind: 'creator' }),
    allowed: ['admin'],
  },
  'open a merchant shop for v1 (a viewer)': {
    check: (p) => policy.canCreateShop(p, { ownerId: 'v1', kind: 'merchant' }),
    allowed: ['admin'],
  },
  'merchant shop: settings and staff': { check: (p) => policy.canManageShop(p, merchantShop), allowed: ['merchantOwner', 'admin'] },
  'merchant shop: products': {
    check: (p) => policy.canManageShopProducts(p, merchantShop),
    allowed: ['merchantOwner', 'staffViewer', 'staffCreator', 'admin'],
  },
  "creator's shop: settings and staff": { check: (p) => policy.canManageShop(p, creatorShop), allowed: ['creatorOwner', 'admin'] },
  "creator's shop: products": { check: (p) => policy.canManageShopProducts(p, creatorShop), allowed: ['creatorOwner', 'admin'] },
  'merchant shop: exports and webhooks': {
    check: (p) => policy.canOperateShop(p, merchantShop),
    allowed: ['merchantOwner', 'staffViewer', 'staffCreator', 'admin'],
  },
  "creator's shop: exports and webhooks": { check: (p) => policy.canOperateShop(p, creatorShop), allowed: ['creatorOwner', 'admin'] },
  // Exports of a room (its creator c1, agency ag1) and of agency ag1: who manages them, not the agency's moderators.
  'room of c1 in ag1: order exports': {
    check: (p) => policy.canExportRoom(p, { creatorId: 'c1', agencyId: 'ag1' }),
    allowed: ['creatorOwner', 'agencyOwner', 'admin'],
  },
  'agency ag1: exports and webhooks': { check: (p) => policy.canOperateAgency(p, 'ag1'), allowed: ['agencyOwner', 'admin'] },
};

const ROWS = Object.entries(TABLE).flatMap(([action, { check, allowed }]) =>
  EVERYONE.map((actor) => ({ action, actor, check, allowed: allowed.includes(actor) })),
);

describe('shops: role x action', () => {
  it.each(ROWS)('$action: $actor is allowed = $allowed', ({ actor, check, allowed }) => {
    expect(check(principal(actor))).toBe(allowed);
  });
});

it('every shop check of the policy is in the table', () => {
  const checks = Object.keys(policy)
    .filter((k) => /^can\w*Shop/.test(k))
    .sort();
  expect(checks).toEqual(['canCreateShop', 'canManageShop', 'canManageShopProducts', 'canOperateShop']);
  const covered = new Set(
    Object.values(TABLE).flatMap(({ check }) => [...check.toString().matchAll(/policy\.(can\w+)/g)].map((m) => m[1]!)),
  );
  expect(checks.filter((c) => !covered.has(c))).toEqual([]);
});

it('a merchant is a viewer in live rooms: no room check lets them through', () => {
  const merchant = principal('merchantOwner');
  const room = { creatorId: 'm1', agencyId: 'ag1' };
  expect(policy.canCreateRoom(merchant)).toBe(false);
  expect(policy.canGoLive(merchant, room)).toBe(false);
  expect(policy.canManageRoom(merchant, room)).toBe(false);
  expect(policy.canModerateRoom(merchant, room)).toBe(false);
  expect(policy.canSeeRoomAnalytics(merchant, room)).toBe(false);
  expect(policy.canModerateAgency(merchant, 'ag1')).toBe(false);
  expect(policy.canManageAgency(merchant, 'ag1')).toBe(false);
  expect(policy.canRegisterAgency(merchant)).toBe(false);
  expect(policy.canSeeQueues(merchant)).toBe(false);
});
