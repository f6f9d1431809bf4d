import { expect, it } from 'vitest';
import type { FollowList } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { startNode, type TestNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { creatorToken, type ErrorBody, follow, openRoom, viewerToken } from './fixtures.ts';

const t = useTeardown();

const follows = async (node: TestNode) =>
  (await node.node.ctx.db.query(`SELECT user_id, creator_id FROM follows ORDER BY user_id, creator_id`)).rows;

it('following oneself, an unknown creator or past FOLLOWS_PER_USER is a typed error that changes nothing', async () => {
  const node = t.add(await startNode({ FOLLOWS_PER_USER: '2' }));
  for (const id of ['c1', 'c2', 'c3']) await openRoom(node, await creatorToken(node, id, `Creator ${id}`), `Room of ${id}`);
  const v = await viewerToken(node, 'v1');
  await follow(node, v, 'c1');
  await follow(node, v, 'c1'); // idempotent
  await follow(node, v, 'c2');
  const before = await follows(node);
  expect(before).toEqual([
    { user_id: 'v1', creator_id: 'c1' },
    { user_id: 'v1', creator_id: 'c2' },
  ]);

  const full = await api<ErrorBody>(node.url, 'PUT', '/api/follows/c3', v);
  expect([full.body.error.code, full.body.error.details]).toEqual([
    'QUOTA_EXCEEDED',
    expect.objectContaining({ limit: 'FOLLOWS_PER_USER', max: 2 }),
  ]);
  const c1 = await creatorToken(node, 'c1');
  const self = await api<ErrorBody>(node.url, 'PUT', '/api/follows/c1', c1);
  expect([self.status, self.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  const unknown = await api<ErrorBody>(node.url, 'PUT', '/api/follows/nobody', v);
  expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const unknownUnfollow = await api<ErrorBody>(node.url, 'DELETE', '/api/follows/nobody', v);
  expect([unknownUnfollow.status, unknownUnfollow.body.error.code]).toEqual([404, 'NOT_FOUND']);
  for (const [method, path, body] of [
    ['PUT', '/api/follows/a%20b', undefined],
    ['PUT', `/api/follows/${'x'.repeat(65)}`, undefined],
    ['GET', '/api/me/follows?cursor=bm90LWEtY3Vyc29y', undefined],
    ['GET', '/api/me/follows?limit=201', undefined],
    ['GET', '/api/me/notices?cursor=bm90LWEtY3Vyc29y', undefined],
    ['GET', '/api/me/notices?unread=maybe', undefined],
    ['POST', '/api/me/notices/read', {}],
    ['POST', '/api/me/notices/read', { ids: [] }],
    ['POST', '/api/me/notices/read', { all: false }],
    ['POST', '/api/me/notices/read', { ids: Array.from({ length: 101 }, (_, i) => `n${i}`) }],
  ] as const) {
    const res = await api<ErrorBody>(node.url, method, path, v, body);
    expect([res.status, res.body.error.code], `${method} ${path}`).toEqual([400, 'BAD_REQUEST']);
  }
  // Signed out: 401 everywhere.
  for (const [method, path] of [
    ['PUT', '/api/follows/c1'],
    ['DELETE', '/api/follows/c1'],
    ['GET', '/api/me/follows'],
    ['GET', '/api/me/notices'],
  ] as const) {
    expect((await api(node.url, method, path)).status, `${method} ${path}`).toBe(401);
  }
  expect(await follows(node)).toEqual(before);

  // Unfollowing frees a slot; the list pages newest first.
  expect((await api(node.url, 'DELETE', '/api/follows/c1', v)).body).toEqual({ creatorId: 'c1', following: false, followers: 0 });
  await follow(node, v, 'c3');
  const page1 = await api<FollowList>(node.url, 'GET', '/api/me/follows?limit=1', v);
  expect(page1.body.follows.map((f) => [f.creatorId, f.name])).toEqual([['c3', 'Creator c3']]);
  const page2 = await api<FollowList>(node.url, 'GET', `/api/me/follows?limit=1&cursor=${page1.body.nextCursor}`, v);
  expect([page2.body.follows.map((f) => f.creatorId), page2.body.nextCursor]).toEqual([['c2'], null]);
});
