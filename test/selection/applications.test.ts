import { expect, it } from 'vitest';
import type { SelectionApplication, SelectionApplicationList, SelectionMarket } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, merchantWith, ok, selectionCounts, termsOf, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('a creator applies to a plan that needs approval; staff approve or refuse; a refused creator may apply again', async () => {
  const node = t.add(await startNode());
  const { merchant, shop, products } = await merchantWith(node, 'm1', 2);
  const [p0, p1] = products.map((p) => p.id) as [string, string];
  await ok(node, 'PUT', `/api/products/${p0}/selection-plan`, merchant, { rateBps: 2_000, requiresApproval: true });
  await ok(node, 'PUT', `/api/products/${p1}/selection-plan`, merchant, { rateBps: 1_000 });
  await ok(node, 'PUT', `/api/shops/${shop.id}/staff/st1`, merchant);
  const staff = await tokenAs(node, 'st1', 'viewer');
  const c1 = await tokenAs(node, 'c1', 'creator');
  const terms = termsOf(node);
  const of = { shopId: shop.id, productId: p0, shopOwnerId: 'm1' };
  const seller = { creatorId: 'c1', agencyId: null };

  // The market shows both: one open, one to apply to.
  let market = await ok<SelectionMarket>(node, 'GET', '/api/selection/market', c1);
  expect(market.items.map((i) => [i.productId, i.rateBps, i.access]).sort()).toEqual(
    [
      [p0, 2_000, 'apply'],
      [p1, 1_000, 'open'],
    ].sort(),
  );

  const app = await ok<SelectionApplication>(
    node,
    'POST',
    `/api/products/${p0}/selection-plan/applications`,
    c1,
    { note: 'I sell jade daily' },
    201,
  );
  expect(app).toMatchObject({
    productId: p0,
    shopId: shop.id,
    creatorId: 'c1',
    appliedBy: 'c1',
    status: 'pending',
    note: 'I sell jade daily',
  });
  // Applying again while pending returns the same application.
  expect((await ok<SelectionApplication>(node, 'POST', `/api/products/${p0}/selection-plan/applications`, c1, {}, 201)).id).toBe(app.id);
  expect(await terms.termsFor(seller, of)).toBeNull();
  market = await ok<SelectionMarket>(node, 'GET', '/api/selection/market', c1);
  expect(market.items.find((i) => i.productId === p0)?.access).toBe('pending');

  // Nobody but the shop's owner, staff and admins answer.
  for (const token of [c1, await tokenAs(node, 'm2', 'merchant')]) {
    const res = await api<ErrorBody>(node.url, 'POST', `/api/selection/applications/${app.id}/approve`, token);
    expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
  }
  expect((await api<ErrorBody>(node.url, 'POST', '/api/selection/applications/nope/approve', merchant)).status).toBe(404);
  const pending = await ok<SelectionApplicationList>(node, 'GET', `/api/shops/${shop.id}/selection/applications?status=pending`, staff);
  expect(pending.applications.map((a) => a.id)).toEqual([app.id]);

  const approved = await ok<SelectionApplication>(node, 'POST', `/api/selection/applications/${app.id}/approve`, staff);
  expect(approved).toMatchObject({ status: 'approved', decidedBy: 'st1' });
  expect(await terms.termsFor(seller, of)).toEqual({ rateBps: 2_000, source: 'plan' });
  market = await ok<SelectionMarket>(node, 'GET', '/api/selection/market', c1);
  expect(market.items.find((i) => i.productId === p0)).toMatchObject({ access: 'open', source: 'plan', rateBps: 2_000 });

  // Refusing (even after approval) closes it again; the creator may apply again.
  await ok(node, 'POST', `/api/selection/applications/${app.id}/refuse`, merchant);
  expect(await terms.termsFor(seller, of)).toBeNull();
  const mine = await ok<SelectionApplicationList>(node, 'GET', '/api/me/selection/applications', c1);
  expect(mine.applications.map((a) => a.status)).toEqual(['refused']);
  const reapplied = await ok<SelectionApplication>(node, 'POST', `/api/products/${p0}/selection-plan/applications`, c1, {}, 201);
  expect([reapplied.id, reapplied.status, reapplied.decidedAt]).toEqual([app.id, 'pending', null]);

  // A plan open to all needs no application; a product without a plan has none to apply to; the owner never applies.
  const open = await api<ErrorBody>(node.url, 'POST', `/api/products/${p1}/selection-plan/applications`, c1, {});
  expect([open.status, open.body.error.code]).toEqual([409, 'CONFLICT']);
  await ok(node, 'DELETE', `/api/products/${p1}/selection-plan`, merchant);
  const none = await api<ErrorBody>(node.url, 'POST', `/api/products/${p1}/selection-plan/applications`, c1, {});
  expect([none.status, none.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const before = await selectionCounts(node);
  const viewer = await api<ErrorBody>(
    node.url,
    'POST',
    `/api/products/${p0}/selection-plan/applications`,
    await tokenAs(node, 'v1', 'viewer'),
    {},
  );
  expect([viewer.status, viewer.body.error.code]).toEqual([403, 'FORBIDDEN']);
  expect(await selectionCounts(node)).toEqual(before);
});

it("an agency's owner or moderator applies for a creator on its roster, not for anyone else", async () => {
  const node = t.add(await startNode());
  const { merchant, products } = await merchantWith(node, 'm1', 1);
  const p0 = products[0]!.id;
  await ok(node, 'PUT', `/api/products/${p0}/selection-plan`, merchant, { rateBps: 2_000, requiresApproval: true });
  const admin = await tokenAs(node, 'root', 'admin');
  await ok(node, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' }, 201);
  const owner = await devToken(node.url, { userId: 'owner1', name: 'owner1', role: 'agency', agencyId: 'ag1' });
  await ok(node, 'PUT', '/api/agencies/ag1/creators/c1', owner);
  await ok(node, 'PUT', '/api/agencies/ag1/moderators/mod1', owner);
  const mod = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });

  const byOwner = await ok<SelectionApplication>(
    node,
    'POST',
    `/api/products/${p0}/selection-plan/applications`,
    owner,
    { creatorId: 'c1' },
    201,
  );
  expect(byOwner).toMatchObject({ creatorId: 'c1', appliedBy: 'owner1', status: 'pending' });
  const byMod = await ok<SelectionApplication>(
    node,
    'POST',
    `/api/products/${p0}/selection-plan/applications`,
    mod,
    { creatorId: 'c1' },
    201,
  );
  expect(byMod.id).toBe(byOwner.id);
  const before = await selectionCounts(node);
  for (const token of [owner, mod, await tokenAs(node, 'c1', 'creator')]) {
    const res = await api<ErrorBody>(node.url, 'POST', `/api/products/${p0}/selection-plan/applications`, token, { creatorId: 'c9' });
    expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
  }
  expect(await selectionCounts(node)).toEqual(before);
});
