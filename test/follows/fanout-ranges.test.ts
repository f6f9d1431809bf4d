import { expect, it } from 'vitest';
import { api, connect } from '../../harness/clients.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { NOTICE_RANGE } from '../../server/follows/service.ts';
import { collect, creatorToken, follow, openRoom, viewerToken } from './fixtures.ts';

const t = useTeardown();

/**
 * A fan-out larger than one range (NOTICE_RANGE) is cut into range jobs: every follower gets the notice exactly once,
 * across range boundaries, and the follower with the last user id (in the last range) gets the push.
 */
it('a fan-out over several ranges gives every follower the notice once', async () => {
  const node = t.add(await startNode());
  const creator = await creatorToken(node);
  await openRoom(node, creator, 'Warm-up');
  const n = 2 * NOTICE_RANGE + 7;
  const db = node.node.ctx.db;
  await db.query(`INSERT INTO follows (user_id, creator_id) SELECT 'u' || lpad(i::text, 8, '0'), 'c1' FROM generate_series(1, $1) i`, [n]);
  const v = await viewerToken(node, 'zz-last');
  await follow(node, v, 'c1');
  const got = collect(t.add(await connect(node.url, v), (s) => s.close()));

  const room = await openRoom(node, creator, 'Big night');
  expect((await api(node.url, 'POST', `/api/rooms/${room.id}/live`, creator)).status).toBe(200);
  await waitFor('the last follower pushed', () => got.length === 1, 60_000);
  const counts = await waitFor(
    'every list has it',
    async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS notices, count(DISTINCT user_id)::int AS users FROM notices WHERE id = $1`, [
        `${room.id}.live`,
      ]);
      return rows[0].notices === n + 1 ? rows[0] : undefined;
    },
    60_000,
  );
  expect(counts).toEqual({ notices: n + 1, users: n + 1 });
  expect(got.map((x) => x.roomId)).toEqual([room.id]);
});
