import { expect, it } from 'vitest';
import { api, devToken } from '../../harness/clients.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { tokenAs } from '../shops/fixtures.ts';
import { adminToken, type ErrorBody, fulfilmentBench, ledgerState, paidRoomOrder, ship, shopWithPaidOrders } from './fixtures.ts';

const t = useTeardown();

/**
 * Who ships (server/edge/policy.ts, canFulfilOrder; the table is test/unit/policy-fulfilment.test.ts): a shop's order
 * by its owner, its staff and admins, never another shop's staff (NOT_FOUND: no existence leak) nor its buyer
 * (FORBIDDEN); a room's own product's order by the room's creator and its agency's owner, not its moderators (who
 * may read it: FORBIDDEN).
 */
it("refuses another shop's staff, the buyer and a room's moderator; lets the shop's staff, the room's managers and admins ship", async () => {
  const { node } = await fulfilmentBench(t);
  const { token: owner, shop } = await shopWithPaidOrders(node, 'm-a', 3, 'sa');
  const { token: otherOwner } = await shopWithPaidOrders(node, 'm-b', 1, 'sb');
  const staff = await tokenAs(node, 'st-a', 'viewer');
  expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/st-a`, owner)).status).toBe(200);
  // seedOrders gives order sa1 the buyer 'buyer1' (g % 97).
  const buyer = await tokenAs(node, 'buyer1', 'viewer');

  const intruder = await ship(node, otherOwner, 'sa1');
  expect([intruder.status, intruder.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const asBuyer = await ship(node, buyer, 'sa1');
  expect([asBuyer.status, asBuyer.body.error.code]).toEqual([403, 'FORBIDDEN']);
  const missing = await ship(node, owner, 'no-such-order');
  expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
  expect((await ledgerState(node, 'sa1')).events).toEqual([]);

  expect((await ship(node, staff, 'sa1')).status).toBe(200);
  expect((await ship(node, owner, 'sa2')).status).toBe(200);
  expect((await ship(node, await adminToken(node), 'sa3')).status).toBe(200);
  expect((await ledgerState(node, 'sa1')).events).toEqual([{ status: 'shipped', actor: 'st-a' }]);

  // A room's own product: its creator and its agency's owner ship; its moderator and another creator do not.
  const { orderId } = await paidRoomOrder(t, node);
  const moderator = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });
  const otherCreator = await devToken(node.url, { userId: 'c9', name: 'c9', role: 'creator', agencyId: 'ag1' });
  // The moderator may read the room's orders, so is told why (FORBIDDEN); the others do not learn it exists.
  const asModerator = await ship(node, moderator, orderId);
  expect([asModerator.status, (asModerator.body as ErrorBody).error.code]).toEqual([403, 'FORBIDDEN']);
  for (const who of [otherCreator, owner]) {
    const res = await ship(node, who, orderId);
    expect([res.status, (res.body as ErrorBody).error.code]).toEqual([404, 'NOT_FOUND']);
  }
  const agencyOwner = await devToken(node.url, { userId: 'owner1', name: 'owner1', role: 'agency', agencyId: 'ag1' });
  expect((await ship(node, agencyOwner, orderId)).status).toBe(200);
  expect((await ledgerState(node, orderId)).events.at(-1)).toEqual({ status: 'shipped', actor: 'owner1' });
});
