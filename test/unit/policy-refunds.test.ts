import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { type OrderSeller, policy } from '../../server/edge/policy.ts';

/**
 * The after-payment checks of the access policy (server/edge/policy.ts) as a role x action table, pure: orders of a
 * merchant's shop (owner m1, staff st1 and c2), of a creator's own shop (owner c1), and of a room's own product (room
 * of creator c1 in agency ag1), asked by every kind of principal. test/refunds/bad-input.test.ts checks the same rules
 * end to end through the routes.
 */
const ACTORS = {
  merchantOwner: { userId: 'm1', role: 'merchant' },
  otherMerchant: { userId: 'm2', role: 'merchant' },
  merchantOwnerAsViewer: { userId: 'm1', role: 'viewer' },
  staffViewer: { userId: 'st1', role: 'viewer' },
  staffCreator: { userId: 'c2', role: 'creator' },
  creatorOwner: { userId: 'c1', role: 'creator', agencyId: 'ag1' },
  otherCreator: { userId: 'c3', role: 'creator', agencyId: 'ag1' },
  viewer: { userId: 'v1', role: 'viewer' },
  moderator: { userId: 'mod1', role: 'moderator', agencyId: 'ag1' },
  agencyOwner: { userId: 'owner1', role: 'agency', agencyId: 'ag1' },
  otherAgencyOwner: { userId: 'owner2', role: 'agency', agencyId: 'ag2' },
  admin: { userId: 'root', role: 'admin' },
} as const satisfies Record<string, Omit<Principal, 'name'>>;
type Actor = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as Actor[];
const principal = (a: Actor): Principal => ({ ...ACTORS[a], name: a });

const merchantShop: OrderSeller = { shop: { ownerId: 'm1', kind: 'merchant', staff: ['st1', 'c2'] } };
const creatorShop: OrderSeller = { shop: { ownerId: 'c1', kind: 'creator', staff: [] } };
const roomProduct: OrderSeller = { room: { creatorId: 'c1', agencyId: 'ag1' } };

const TABLE: Record<string, { check: (p: Principal) => boolean; allowed: Actor[] }> = {
  "merchant shop's order: staff cancel": {
    check: (p) => policy.canCancelOrder(p, merchantShop),
    allowed: ['merchantOwner', 'staffViewer', 'staffCreator', 'admin'],
  },
  "merchant shop's order: refund, decide requests": {
    check: (p) => policy.canRefundOrder(p, merchantShop),
    allowed: ['merchantOwner', 'admin'],
  },
  "merchant shop's audit trail": { check: (p) => policy.canReadMerchantAudit(p, merchantShop), allowed: ['merchantOwner', 'admin'] },
  "creator shop's order: staff cancel": { check: (p) => policy.canCancelOrder(p, creatorShop), allowed: ['creatorOwner', 'admin'] },
  "creator shop's order: refund": { check: (p) => policy.canRefundOrder(p, creatorShop), allowed: ['creatorOwner', 'admin'] },
  "room product's order: staff cancel": {
    check: (p) => policy.canCancelOrder(p, roomProduct),
    allowed: ['creatorOwner', 'agencyOwner', 'admin'],
  },
  "room product's order: refund": {
    check: (p) => policy.canRefundOrder(p, roomProduct),
    allowed: ['creatorOwner', 'agencyOwner', 'admin'],
  },
  "room's audit trail": { check: (p) => policy.canReadMerchantAudit(p, roomProduct), allowed: ['creatorOwner', 'agencyOwner', 'admin'] },
};

const ROWS = Object.entries(TABLE).flatMap(([action, { check, allowed }]) =>
  EVERYONE.map((actor) => ({ action, actor, check, allowed: allowed.includes(actor) })),
);

describe('after payment: role x action', () => {
  it.each(ROWS)('$action: $actor is allowed = $allowed', ({ actor, check, allowed }) => {
    expect(check(principal(actor))).toBe(allowed);
  });
});

it('every after-payment check of the policy is in the table', () => {
  const checks = ['canCancelOrder', 'canRefundOrder', 'canReadMerchantAudit'];
  expect(checks.every((c) => c in policy)).toBe(true);
  const covered = new Set(
    Object.values(TABLE).flatMap(({ check }) => [...check.toString().matchAll(/policy\.(can\w+)/g)].map((m) => m[1]!)),
  );
  expect(checks.filter((c) => !covered.has(c))).toEqual([]);
});
