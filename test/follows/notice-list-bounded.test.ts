import { expect, it } from 'vitest';
import type { NoticeList } from '@hawker/protocol';
import { api, connect } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { collect, creatorToken, follow, openRoom, viewerToken } from './fixtures.ts';

const t = useTeardown();

it('a notice list keeps the newest NOTICES_PER_USER; a room created to go live now notifies only when it starts', async () => {
  const node = t.add(await startNode({ NOTICES_PER_USER: '3', ROOMS_OPEN_PER_CREATOR: '10' }));
  const creator = await creatorToken(node);
  await openRoom(node, creator, 'Hello'); // no scheduledAt: no notice (and nobody follows yet)
  const v = await viewerToken(node, 'v1');
  await follow(node, v, 'c1');
  const got = collect(t.add(await connect(node.url, v), (s) => s.close()));
  const rooms = [];
  for (let i = 0; i < 5; i++) rooms.push(await openRoom(node, creator, `Live ${i}`, Date.now() + (i + 1) * 60_000));
  await openRoom(node, creator, 'Unscheduled');
  await waitFor('5 notices pushed', () => got.length === 5);
  const list = await waitFor('the list trimmed to 3', async () => {
    const res = await api<NoticeList>(node.url, 'GET', '/api/me/notices', v);
    return res.body.notices.length === 3 ? res.body : undefined;
  });
  expect(list.notices.map((n) => n.title)).toEqual(['Live 4', 'Live 3', 'Live 2']);
  expect(list.unread).toBe(3);
  // Fan-outs run concurrently (a worker per node, two jobs each): pushes may arrive in any order.
  expect(got.map((n) => n.title).sort()).toEqual(['Live 0', 'Live 1', 'Live 2', 'Live 3', 'Live 4']);
  const { rows } = await node.node.ctx.db.query(`SELECT count(*)::int AS n FROM notices WHERE user_id = 'v1'`);
  expect(rows[0].n).toBe(3);
});
