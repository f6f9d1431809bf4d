import { expect, it } from 'vitest';
import type { Principal, Role } from '@hawker/protocol';
import { policy } from '../../server/edge/policy.ts';

/** Who may upload product pictures (server/uploads): those who make products, and admins. */
it('creators, merchants and admins upload pictures; viewers, moderators and agencies do not', () => {
  const roles: Role[] = ['viewer', 'creator', 'moderator', 'agency', 'merchant', 'admin'];
  const p = (role: Role): Principal => ({ userId: `u-${role}`, role, name: role });
  expect(roles.filter((r) => policy.canUploadImages(p(r)))).toEqual(['creator', 'merchant', 'admin']);
});
