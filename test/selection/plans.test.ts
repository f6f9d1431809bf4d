import { expect, it } from 'vitest';
import type { SelectionPlan, SelectionPlanList, SelectionSettings } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, merchantWith, ok, selectionCounts, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('the owner sets a default rate and opens products (own rate or the default); staff read but cannot set; others are refused', async () => {
  const node = t.add(await startNode());
  const { merchant, shop, products } = await merchantWith(node);
  const [p0, p1] = products as [(typeof products)[0], (typeof products)[0]];
  // A plan without its own rate needs a default first.
  const noDefault = await api<ErrorBody>(node.url, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, {});
  expect([noDefault.status, noDefault.body.error.code]).toEqual([409, 'CONFLICT']);
  const settings = await ok<SelectionSettings>(node, 'PUT', `/api/shops/${shop.id}/selection/settings`, merchant, {
    defaultRateBps: 1_000,
  });
  expect(settings.defaultRateBps).toBe(1_000);
  const byDefault = await ok<SelectionPlan>(node, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, {});
  expect(byDefault).toMatchObject({ productId: p0.id, shopId: shop.id, rateBps: null, effectiveRateBps: 1_000, requiresApproval: false });
  const own = await ok<SelectionPlan>(node, 'PUT', `/api/products/${p1.id}/selection-plan`, merchant, {
    rateBps: 2_500,
    requiresApproval: true,
  });
  expect(own).toMatchObject({ rateBps: 2_500, effectiveRateBps: 2_500, requiresApproval: true });
  // Changing the default moves the plans that follow it.
  await ok(node, 'PUT', `/api/shops/${shop.id}/selection/settings`, merchant, { defaultRateBps: 1_500 });
  const list = await ok<SelectionPlanList>(node, 'GET', `/api/shops/${shop.id}/selection/plans?limit=1`, merchant);
  expect(list.plans).toHaveLength(1);
  const rest = await ok<SelectionPlanList>(
    node,
    'GET',
    `/api/shops/${shop.id}/selection/plans?limit=1&cursor=${list.nextCursor}`,
    merchant,
  );
  expect([...list.plans, ...rest.plans].map((p) => p.effectiveRateBps).sort()).toEqual([1_500, 2_500]);
  expect(rest.nextCursor).toBeNull();

  // Staff: read plans and settings, never set rates.
  await ok(node, 'PUT', `/api/shops/${shop.id}/staff/st1`, merchant);
  const staff = await tokenAs(node, 'st1', 'viewer');
  await ok(node, 'GET', `/api/shops/${shop.id}/selection/plans`, staff);
  await ok(node, 'GET', `/api/shops/${shop.id}/selection/settings`, staff);
  const before = await selectionCounts(node);
  for (const [who, token] of [
    ['staff', staff],
    ['another merchant', await tokenAs(node, 'm2', 'merchant')],
    ['a creator', await tokenAs(node, 'c1', 'creator')],
  ] as const) {
    const put = await api<ErrorBody>(node.url, 'PUT', `/api/products/${p0.id}/selection-plan`, token, { rateBps: 100 });
    expect([who, put.status, put.body.error.code]).toEqual([who, 403, 'FORBIDDEN']);
    const del = await api<ErrorBody>(node.url, 'DELETE', `/api/products/${p0.id}/selection-plan`, token);
    expect([who, del.status]).toEqual([who, 403]);
    const set = await api<ErrorBody>(node.url, 'PUT', `/api/shops/${shop.id}/selection/settings`, token, { defaultRateBps: 100 });
    expect([who, set.status]).toEqual([who, 403]);
  }
  const outsider = await api<ErrorBody>(node.url, 'GET', `/api/shops/${shop.id}/selection/plans`, await tokenAs(node, 'm2', 'merchant'));
  expect(outsider.status).toBe(403);
  // Unknown ids.
  expect((await api<ErrorBody>(node.url, 'PUT', '/api/products/nope/selection-plan', merchant, { rateBps: 500 })).body.error.code).toBe(
    'NOT_FOUND',
  );
  expect((await api<ErrorBody>(node.url, 'GET', '/api/shops/nope/selection/plans', merchant)).body.error.code).toBe('NOT_FOUND');
  expect(await selectionCounts(node)).toEqual(before);

  // Closing a plan; closing it again is harmless.
  expect(await ok(node, 'DELETE', `/api/products/${p0.id}/selection-plan`, merchant)).toEqual({ productId: p0.id, closed: true });
  expect(await ok(node, 'DELETE', `/api/products/${p0.id}/selection-plan`, merchant)).toEqual({ productId: p0.id, closed: false });
  expect((await selectionCounts(node)).plans).toBe(1);
});

it('rates outside COMMISSION_MIN_BPS..COMMISSION_MAX_BPS, negative or huge, are refused with a typed error and change nothing', async () => {
  const node = t.add(await startNode());
  const { merchant, shop, products } = await merchantWith(node, 'm1', 1);
  const p0 = products[0]!;
  await ok(node, 'PUT', `/api/shops/${shop.id}/selection/settings`, merchant, { defaultRateBps: 1_000 });
  await ok(node, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, { rateBps: 2_000 });
  const before = await selectionCounts(node);
  const cases: [unknown, number, string, unknown][] = [
    [99, 400, 'BAD_REQUEST', { limit: 'COMMISSION_MIN_BPS', min: 100, max: 8_000 }],
    [8_001, 400, 'BAD_REQUEST', { limit: 'COMMISSION_MAX_BPS', min: 100, max: 8_000 }],
    [-5, 400, 'BAD_REQUEST', undefined],
    [1e12, 400, 'BAD_REQUEST', undefined],
    [12.5, 400, 'BAD_REQUEST', undefined],
    ['1000', 400, 'BAD_REQUEST', undefined],
  ];
  for (const [rate, status, code, details] of cases) {
    const plan = await api<ErrorBody>(node.url, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, { rateBps: rate });
    expect([rate, plan.status, plan.body.error.code]).toEqual([rate, status, code]);
    if (details) expect(plan.body.error.details).toEqual(details);
    const def = await api<ErrorBody>(node.url, 'PUT', `/api/shops/${shop.id}/selection/settings`, merchant, { defaultRateBps: rate });
    expect([rate, def.status]).toEqual([rate, status]);
    const offer = await api<ErrorBody>(node.url, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
      productId: p0.id,
      target: { kind: 'creator', id: 'c1' },
      rateBps: rate,
    });
    expect([rate, offer.status]).toEqual([rate, status]);
  }
  expect(await selectionCounts(node)).toEqual(before);
  const settings = await ok<SelectionSettings>(node, 'GET', `/api/shops/${shop.id}/selection/settings`, merchant);
  expect(settings.defaultRateBps).toBe(1_000);
  // The bounds themselves are fine, and the range is configurable.
  await ok(node, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, { rateBps: 100 });
  await ok(node, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, { rateBps: 8_000 });
  const narrow = t.add(await startNode({ COMMISSION_MIN_BPS: '500', COMMISSION_MAX_BPS: '3000' }));
  const n = await merchantWith(narrow, 'm1', 1);
  const low = await api<ErrorBody>(narrow.url, 'PUT', `/api/products/${n.products[0]!.id}/selection-plan`, n.merchant, { rateBps: 400 });
  expect([low.status, low.body.error.details]).toEqual([400, { limit: 'COMMISSION_MIN_BPS', min: 500, max: 3_000 }]);
});

it('archived products cannot be opened', async () => {
  const node = t.add(await startNode());
  const { merchant, products } = await merchantWith(node, 'm1', 1);
  const p0 = products[0]!;
  await ok(node, 'POST', `/api/products/${p0.id}/archive`, merchant);
  const res = await api<ErrorBody>(node.url, 'PUT', `/api/products/${p0.id}/selection-plan`, merchant, { rateBps: 500 });
  expect([res.status, res.body.error.code]).toEqual([409, 'CONFLICT']);
  expect((await selectionCounts(node)).plans).toBe(0);
});
