import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, merchantWith, ok, selectionCounts, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('plans, offers and pending applications are bounded (QUOTA_EXCEEDED naming the limit), racing requests included', async () => {
  const node = t.add(await startNode({ PLANS_PER_SHOP: '2', OFFERS_PER_SHOP: '2', PENDING_APPLICATIONS_PER_CREATOR: '2' }));
  const { merchant, shop, products } = await merchantWith(node, 'm1', 4);
  const ids = products.map((p) => p.id);

  // Plans: four at once, two fit.
  const plans = await Promise.all(
    ids.map((id) =>
      api<ErrorBody>(node.url, 'PUT', `/api/products/${id}/selection-plan`, merchant, { rateBps: 1_000, requiresApproval: true }),
    ),
  );
  expect(plans.filter((r) => r.status === 200)).toHaveLength(2);
  for (const r of plans.filter((x) => x.status !== 200)) {
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([429, 'QUOTA_EXCEEDED', { limit: 'PLANS_PER_SHOP', max: 2 }]);
  }
  const open = (await node.node.ctx.db.query<{ product_id: string }>('SELECT product_id FROM selection_plans')).rows.map(
    (r) => r.product_id,
  );
  // Updating an existing plan is not a new one.
  await ok(node, 'PUT', `/api/products/${open[0]}/selection-plan`, merchant, { rateBps: 1_200, requiresApproval: true });

  // Offers: per (product, target); replacing one is fine.
  const offer = (target: string) =>
    api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
      productId: ids[0],
      target: { kind: 'creator', id: target },
      rateBps: 900,
    });
  const offers = await Promise.all(['c1', 'c2', 'c3'].map(offer));
  expect(offers.filter((r) => r.status === 200)).toHaveLength(2);
  const refused = offers.find((r) => r.status !== 200)!;
  expect([refused.status, refused.body.error.details]).toEqual([429, { limit: 'OFFERS_PER_SHOP', max: 2 }]);
  const placed = (await node.node.ctx.db.query<{ target_id: string }>('SELECT target_id FROM selection_offers')).rows.map(
    (r) => r.target_id,
  );
  expect((await offer(placed[0]!)).status).toBe(200);

  // Pending applications per creator: a second shop's plans give a third product to apply to.
  const other = await merchantWith(node, 'm2', 1);
  await ok(node, 'PUT', `/api/products/${other.products[0]!.id}/selection-plan`, other.merchant, {
    rateBps: 1_000,
    requiresApproval: true,
  });
  const c1 = await tokenAs(node, 'c1', 'creator');
  const targets = [...open, other.products[0]!.id];
  const apps = await Promise.all(
    targets.map((id) => api<ErrorBody>(node.url, 'POST', `/api/products/${id}/selection-plan/applications`, c1, {})),
  );
  expect(apps.filter((r) => r.status === 201)).toHaveLength(2);
  const over = apps.find((r) => r.status !== 201)!;
  expect([over.status, over.body.error.code, over.body.error.details]).toEqual([
    429,
    'QUOTA_EXCEEDED',
    { limit: 'PENDING_APPLICATIONS_PER_CREATOR', max: 2 },
  ]);
  const before = await selectionCounts(node);
  expect(before).toMatchObject({ plans: 3, offers: 2, applications: 2 });
  // An answer frees a place.
  const { rows } = await node.node.ctx.db.query<{ id: string; shop_id: string }>('SELECT id, shop_id FROM selection_applications LIMIT 1');
  const answerer = rows[0]!.shop_id === shop.id ? merchant : other.merchant;
  await ok(node, 'POST', `/api/selection/applications/${rows[0]!.id}/refuse`, answerer);
  const last = targets.find((id) => !apps[targets.indexOf(id)]!.status.toString().startsWith('2'))!;
  expect((await api(node.url, 'POST', `/api/products/${last}/selection-plan/applications`, c1, {})).status).toBe(201);
});
