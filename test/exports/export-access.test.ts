import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { type ErrorBody, openShop, tokenAs } from '../shops/fixtures.ts';
import { devToken } from '../../harness/clients.ts';
import { auditRows, fetchCsv, parseCsv, seedOrders } from './fixtures.ts';

const t = useTeardown();

it('follows the role x action matrix: shop owner and staff, room creator, agency owner, admin; others are refused and nothing is audited', async () => {
  const node = t.add(await startNode());
  const owner = await tokenAs(node, 'm1', 'merchant');
  const shop = await openShop(node, owner);
  expect((await api(node.url, 'PUT', `/api/shops/${shop.id}/staff/s1`, owner)).status).toBe(200);
  const staff = await tokenAs(node, 's1', 'viewer');
  const creator = await tokenAs(node, 'c1', 'creator');
  const room = (await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: 'Jade live' })).body;
  await seedOrders(node, 3, { shopId: shop.id, roomId: room.id, agencyId: 'ag1' });
  const agencyOwner = await devToken(node.url, { userId: 'a1', name: 'a1', role: 'agency', agencyId: 'ag1' });
  const admin = await tokenAs(node, 'root', 'admin');

  const ok = async (path: string, token: string) => {
    const res = await fetchCsv(node, path, token);
    expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
    expect(parseCsv(res.text)).toHaveLength(4);
  };
  await ok(`/api/exports/orders.csv?shopId=${shop.id}`, owner);
  await ok(`/api/exports/orders.csv?shopId=${shop.id}`, staff);
  await ok(`/api/exports/orders.csv?roomId=${room.id}`, creator);
  await ok(`/api/exports/orders.csv?agencyId=ag1`, agencyOwner);
  await ok(`/api/exports/orders.csv?shopId=${shop.id}`, admin);
  const audited = (await auditRows(node)).length;
  expect(audited).toBe(5);

  const other = await tokenAs(node, 'm2', 'merchant');
  const moderator = await devToken(node.url, { userId: 'mod1', name: 'mod1', role: 'moderator', agencyId: 'ag1' });
  const refusals: [string, string, number, string][] = [
    [`/api/exports/orders.csv?shopId=${shop.id}`, other, 403, 'FORBIDDEN'], // another merchant's shop
    [`/api/exports/refunds.csv?shopId=${shop.id}`, other, 403, 'FORBIDDEN'],
    [`/api/exports/orders.csv?roomId=${room.id}`, other, 403, 'FORBIDDEN'], // another's room
    [`/api/exports/orders.csv?agencyId=ag1`, other, 403, 'FORBIDDEN'], // another agency
    [`/api/exports/orders.csv?agencyId=ag1`, moderator, 403, 'FORBIDDEN'], // moderators do not export
    [`/api/exports/orders.csv?shopId=nope`, owner, 404, 'NOT_FOUND'],
    [`/api/exports/orders.csv`, owner, 400, 'BAD_REQUEST'], // no scope
    [`/api/exports/orders.csv?shopId=${shop.id}&roomId=${room.id}`, owner, 400, 'BAD_REQUEST'], // two scopes
    [`/api/exports/orders.csv?shopId=${shop.id}&from=2000&to=1000`, owner, 400, 'BAD_REQUEST'], // reversed range
    [`/api/exports/orders.csv?shopId=${shop.id}&from=yesterday`, owner, 400, 'BAD_REQUEST'],
    [`/api/exports/orders.csv?shopId=${shop.id}&from=-5`, owner, 400, 'BAD_REQUEST'],
    [`/api/exports/orders.csv?shopId=${shop.id}&limit=5`, owner, 400, 'BAD_REQUEST'], // unknown parameter
    [`/api/exports/orders.csv?shopId=../../etc`, owner, 400, 'BAD_REQUEST'],
  ];
  for (const [path, token, status, code] of refusals) {
    const res = await fetchCsv(node, path, token);
    expect(res.status, path).toBe(status);
    expect(res.type, path).toMatch(/^application\/json/);
    expect((JSON.parse(res.text) as ErrorBody).error.code, path).toBe(code);
  }
  const anonymous = await fetch(`${node.url}/api/exports/orders.csv?shopId=${shop.id}`);
  expect(anonymous.status).toBe(401);
  expect((await auditRows(node)).length).toBe(audited); // refusals changed nothing
});
