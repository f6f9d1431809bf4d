import { describe, expect, it } from 'vitest';
import type { Principal } from '@hawker/protocol';
import { policy } from '../../server/edge/policy.ts';

/**
 * Who may ship and deliver an order (server/edge/policy.ts, canFulfilOrder) as a role x seller table, pure: a merchant
 * shop's order (owner m1, staff st1 and c2), a creator shop's (owner c1, no staff) and a room's own product's (room of
 * creator c1 in agency ag1). test/fulfilment/another-shop.test.ts checks the same rule end to end.
 */
const ACTORS = {
  merchantOwner: { userId: 'm1', role: 'merchant' },
  otherMerchant: { userId: 'm2', role: 'merchant' },
  merchantOwnerAsViewer: { userId: 'm1', role: 'viewer' },
  staffViewer: { userId: 'st1', role: 'viewer' },
  staffCreator: { userId: 'c2', role: 'creator' },
  creatorOwner: { userId: 'c1', role: 'creator', agencyId: 'ag1' },
  otherCreator: { userId: 'c3', role: 'creator', agencyId: 'ag1' },
  buyer: { userId: 'v1', role: 'viewer' },
  moderator: { userId: 'mod1', role: 'moderator', agencyId: 'ag1' },
  agencyOwner: { userId: 'owner1', role: 'agency', agencyId: 'ag1' },
  otherAgencyOwner: { userId: 'owner2', role: 'agency', agencyId: 'ag2' },
  admin: { userId: 'root', role: 'admin' },
} as const satisfies Record<string, Omit<Principal, 'name'>>;
type Actor = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as Actor[];
const principal = (a: Actor): Principal => ({ ...ACTORS[a], name: a });

const merchantShop = { ownerId: 'm1', kind: 'merchant', staff: ['st1', 'c2'] } as const;
const creatorShop = { ownerId: 'c1', kind: 'creator', staff: [] } as const;
const room = { creatorId: 'c1', agencyId: 'ag1' };

const TABLE: Record<string, { check: (p: Principal) => boolean; allowed: Actor[] }> = {
  "merchant shop's order: ship and deliver": {
    check: (p) => policy.canFulfilOrder(p, { shop: merchantShop }),
    allowed: ['merchantOwner', 'staffViewer', 'staffCreator', 'admin'],
  },
  "creator shop's order: ship and deliver": {
    check: (p) => policy.canFulfilOrder(p, { shop: creatorShop }),
    allowed: ['creatorOwner', 'admin'],
  },
  "room's own product's order: ship and deliver": {
    check: (p) => policy.canFulfilOrder(p, { room }),
    allowed: ['creatorOwner', 'agencyOwner', 'admin'],
  },
};

const ROWS = Object.entries(TABLE).flatMap(([action, { check, allowed }]) =>
  EVERYONE.map((actor) => ({ action, actor, check, allowed: allowed.includes(actor) })),
);

describe('fulfilment: role x seller', () => {
  it.each(ROWS)('$action: $actor is allowed = $allowed', ({ actor, check, allowed }) => {
    expect(check(principal(actor))).toBe(allowed);
  });
});
