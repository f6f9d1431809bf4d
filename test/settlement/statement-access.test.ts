import { expect, it } from 'vitest';
import type { Settlement } from '@hawker/protocol';
import { api, devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, merchantWith, ok, tokenAs } from '../selection/fixtures.ts';

const t = useTeardown();
const DAY = 86_400_000;

it('statements: shop owner and staff, the creator themself, the agency owner, admins; others refused; bad periods are typed errors', async () => {
  const node = t.add(await startNode());
  const { merchant, shop } = await merchantWith(node, 'm1', 0);
  await ok(node, 'PUT', `/api/shops/${shop.id}/staff/st1`, merchant);
  const staff = await tokenAs(node, 'st1', 'viewer');
  const admin = await tokenAs(node, 'root', 'admin');
  const c1 = await tokenAs(node, 'c1', 'creator');
  const c2 = await tokenAs(node, 'c2', 'creator');
  const owner = await devToken(node.url, { userId: 'owner1', name: 'owner1', role: 'agency', agencyId: 'ag1' });
  const mod = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });
  const other = await tokenAs(node, 'm2', 'merchant');
  const to = Date.now();
  const from = to - 30 * DAY;
  const q = `?from=${from}&to=${to}`;
  const allowed: [string, string][] = [
    [`merchant/${shop.id}`, merchant],
    [`merchant/${shop.id}`, staff],
    [`merchant/${shop.id}`, admin],
    ['creator/c1', c1],
    ['creator/c1', admin],
    ['agency/ag1', owner],
    ['agency/ag1', admin],
  ];
  for (const [path, token] of allowed) {
    const s = await ok<Settlement>(node, 'GET', `/api/settlements/${path}${q}`, token);
    expect([path, s.lines, s.totals, s.nextCursor]).toEqual([path, [], [], null]);
  }
  const refused: [string, string, number, string][] = [
    [`merchant/${shop.id}`, other, 403, 'FORBIDDEN'],
    [`merchant/${shop.id}`, c1, 403, 'FORBIDDEN'],
    ['merchant/nope', merchant, 404, 'NOT_FOUND'],
    ['creator/c1', c2, 403, 'FORBIDDEN'],
    ['creator/c1', merchant, 403, 'FORBIDDEN'],
    ['agency/ag1', mod, 403, 'FORBIDDEN'],
    ['agency/ag1', c1, 403, 'FORBIDDEN'],
    ['agency/ag2', owner, 403, 'FORBIDDEN'],
    ['shop/x', admin, 400, 'BAD_REQUEST'],
  ];
  for (const [path, token, status, code] of refused) {
    const res = await api<ErrorBody>(node.url, 'GET', `/api/settlements/${path}${q}`, token);
    expect([path, res.status, res.body.error.code]).toEqual([path, status, code]);
    const csv = await api<ErrorBody>(node.url, 'GET', `/api/settlements/${path}${q}&format=csv`, token);
    expect([path, csv.status]).toEqual([path, status]);
  }
  expect((await api(node.url, 'GET', `/api/settlements/creator/c1${q}`)).status).toBe(401);

  const periods: [string, string, unknown][] = [
    [`?from=${to}&to=${from}`, 'start before it ends', undefined],
    [`?from=${to}&to=${to}`, 'start before it ends', undefined],
    [`?from=${to - 367 * DAY}&to=${to}`, '366 days', { limit: 'SETTLEMENT_MAX_DAYS', max: 366 }],
    ['?from=abc&to=1', 'from', undefined],
    [`?to=${to}`, 'from', undefined],
    [`?from=-5&to=${to}`, 'from', undefined],
    [`${q}&limit=100000`, 'limit', undefined],
    [`${q}&cursor=not-a-cursor`, 'cursor', undefined],
    [`${q}&format=xml`, 'format', undefined],
  ];
  for (const [query, message, details] of periods) {
    const res = await api<ErrorBody>(node.url, 'GET', `/api/settlements/creator/c1${query}`, c1);
    expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'BAD_REQUEST']);
    expect(res.body.error.message).toContain(message);
    if (details) expect(res.body.error.details).toEqual(details);
  }
  // Exactly 366 days is fine.
  await ok(node, 'GET', `/api/settlements/creator/c1?from=${to - 366 * DAY}&to=${to}`, c1);
});
