import { expect, it } from 'vitest';
import type { SelectionOffer } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, merchantWith, ok, selectionCounts, termsOf, tokenAs } from './fixtures.ts';

const t = useTeardown();

it('termsFor: own shop > offer to the creator > offer to their agency > the plan (approved when required) > nothing', async () => {
  const node = t.add(await startNode());
  const { merchant, shop, products } = await merchantWith(node, 'm1', 3);
  const [p0, p1, p2] = products.map((p) => p.id) as [string, string, string];
  const terms = termsOf(node);
  const of = (productId: string) => ({ shopId: shop.id, productId, shopOwnerId: 'm1' });
  const c1 = { creatorId: 'c1', agencyId: 'ag1' };
  const c2 = { creatorId: 'c2', agencyId: 'ag1' };
  const c3 = { creatorId: 'c3', agencyId: null };

  // Nothing open yet: only the owner may sell, without commission.
  expect(await terms.termsFor(c1, of(p0))).toBeNull();
  expect(await terms.termsFor({ creatorId: 'm1', agencyId: null }, of(p0))).toEqual({ rateBps: null, source: 'own-shop' });

  await ok(node, 'PUT', `/api/shops/${shop.id}/selection/settings`, merchant, { defaultRateBps: 1_000 });
  expect(await terms.termsFor(c1, of(p0))).toBeNull(); // a default alone opens nothing
  await ok(node, 'PUT', `/api/products/${p0}/selection-plan`, merchant, {});
  await ok(node, 'PUT', `/api/products/${p1}/selection-plan`, merchant, { rateBps: 2_000, requiresApproval: true });
  expect(await terms.termsFor(c3, of(p0))).toEqual({ rateBps: 1_000, source: 'shop-default' });
  expect(await terms.termsFor(c3, of(p1))).toBeNull(); // needs approval
  expect(await terms.termsFor(c3, of(p2))).toBeNull(); // in no plan

  // Offers: to the agency, then to the creator by name, each beating the less specific.
  const toAgency = await ok<SelectionOffer>(node, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
    productId: p0,
    target: { kind: 'agency', id: 'ag1' },
    rateBps: 3_000,
  });
  expect(await terms.termsFor(c1, of(p0))).toEqual({ rateBps: 3_000, source: 'targeted' });
  expect(await terms.termsFor(c2, of(p0))).toEqual({ rateBps: 3_000, source: 'targeted' });
  expect(await terms.termsFor(c3, of(p0))).toEqual({ rateBps: 1_000, source: 'shop-default' });
  const toC1 = await ok<SelectionOffer>(node, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
    productId: p0,
    target: { kind: 'creator', id: 'c1' },
    rateBps: 4_000,
  });
  expect(await terms.termsFor(c1, of(p0))).toEqual({ rateBps: 4_000, source: 'targeted' });
  expect(await terms.termsFor(c2, of(p0))).toEqual({ rateBps: 3_000, source: 'targeted' });
  // Offering again to the same target replaces the rate (same offer).
  const again = await ok<SelectionOffer>(node, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
    productId: p0,
    target: { kind: 'creator', id: 'c1' },
    rateBps: 4_500,
  });
  expect(again.id).toBe(toC1.id);
  expect(await terms.termsFor(c1, of(p0))).toEqual({ rateBps: 4_500, source: 'targeted' });
  // A targeted offer opens a product that is in no plan, and needs no approval.
  await ok(node, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
    productId: p2,
    target: { kind: 'creator', id: 'c3' },
    rateBps: 500,
  });
  await ok(node, 'POST', `/api/shops/${shop.id}/selection/offers`, merchant, {
    productId: p1,
    target: { kind: 'creator', id: 'c3' },
    rateBps: 600,
  });
  expect(await terms.termsFor(c3, of(p2))).toEqual({ rateBps: 500, source: 'targeted' });
  expect(await terms.termsFor(c3, of(p1))).toEqual({ rateBps: 600, source: 'targeted' });
  // The owner is always own-shop, whatever is offered.
  expect(await terms.termsFor({ creatorId: 'm1', agencyId: 'ag1' }, of(p0))).toEqual({ rateBps: null, source: 'own-shop' });

  // Withdrawing offers falls back down the order.
  await ok(node, 'DELETE', `/api/selection/offers/${toC1.id}`, merchant);
  expect(await terms.termsFor(c1, of(p0))).toEqual({ rateBps: 3_000, source: 'targeted' });
  await ok(node, 'DELETE', `/api/selection/offers/${toAgency.id}`, merchant);
  expect(await terms.termsFor(c1, of(p0))).toEqual({ rateBps: 1_000, source: 'shop-default' });

  // A product asked for under another shop is not open; archived products never are.
  expect(await terms.termsFor(c1, { shopId: 'other', productId: p0, shopOwnerId: 'x' })).toBeNull();
  await ok(node, 'POST', `/api/products/${p0}/archive`, merchant);
  expect(await terms.termsFor(c1, of(p0))).toBeNull();
  expect(await terms.termsFor({ creatorId: 'm1', agencyId: null }, of(p0))).toBeNull();
});

it("offers: another merchant's product, unknown ids, the shop's owner as target, other merchants: typed errors, nothing changes", async () => {
  const node = t.add(await startNode());
  const a = await merchantWith(node, 'm1', 1);
  const b = await merchantWith(node, 'm2', 1);
  const offer = await ok<SelectionOffer>(node, 'POST', `/api/shops/${a.shop.id}/selection/offers`, a.merchant, {
    productId: a.products[0]!.id,
    target: { kind: 'agency', id: 'ag1' },
    rateBps: 1_000,
  });
  const before = await selectionCounts(node);
  const body = (productId: string, target = { kind: 'creator', id: 'c1' }) => ({ productId, target, rateBps: 1_000 });
  const cases: [string, string, string, string, unknown, number, string][] = [
    [
      "another merchant's product",
      'POST',
      `/api/shops/${a.shop.id}/selection/offers`,
      a.merchant,
      body(b.products[0]!.id),
      404,
      'NOT_FOUND',
    ],
    ['an unknown product', 'POST', `/api/shops/${a.shop.id}/selection/offers`, a.merchant, body('nope'), 404, 'NOT_FOUND'],
    ['an unknown shop', 'POST', '/api/shops/nope/selection/offers', a.merchant, body(a.products[0]!.id), 404, 'NOT_FOUND'],
    ["another merchant's shop", 'POST', `/api/shops/${a.shop.id}/selection/offers`, b.merchant, body(a.products[0]!.id), 403, 'FORBIDDEN'],
    [
      'the owner as target',
      'POST',
      `/api/shops/${a.shop.id}/selection/offers`,
      a.merchant,
      body(a.products[0]!.id, { kind: 'creator', id: 'm1' }),
      400,
      'BAD_REQUEST',
    ],
    [
      'a bad target kind',
      'POST',
      `/api/shops/${a.shop.id}/selection/offers`,
      a.merchant,
      body(a.products[0]!.id, { kind: 'shop', id: 'x' }),
      400,
      'BAD_REQUEST',
    ],
    ['withdrawing another shop’s offer', 'DELETE', `/api/selection/offers/${offer.id}`, b.merchant, undefined, 403, 'FORBIDDEN'],
    ['an unknown offer', 'DELETE', '/api/selection/offers/nope', a.merchant, undefined, 404, 'NOT_FOUND'],
  ];
  for (const [what, method, path, token, payload, status, code] of cases) {
    const res = await api<ErrorBody>(node.url, method, path, token, payload);
    expect([what, res.status, res.body.error.code]).toEqual([what, status, code]);
  }
  expect(await selectionCounts(node)).toEqual(before);
  const list = await ok<{ offers: SelectionOffer[] }>(node, 'GET', `/api/shops/${a.shop.id}/selection/offers`, a.merchant);
  expect(list.offers).toEqual([offer]);
  expect((await api(node.url, 'GET', `/api/shops/${a.shop.id}/selection/offers`, await tokenAs(node, 'c1', 'creator'))).status).toBe(403);
});
