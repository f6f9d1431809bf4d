import { expect, it } from 'vitest';
import type { NoticeList } from '@hawker/protocol';
import { api, connect } from '../../harness/clients.ts';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { collect, creatorToken, follow, openRoom, viewerToken } from './fixtures.ts';

const t = useTeardown();

/**
 * A followed creator schedules a live, then starts one: the fan-out (a BullMQ job, out of the request path) pushes
 * `notice:new` to the followers' open sockets on both nodes and keeps it in their notice lists; someone who does not
 * follow gets nothing.
 */
it('follow → going-live notices reach open sockets on two nodes and the notice lists; non-followers get none', async () => {
  const [a, b] = await twoNodes(t);
  const creator = await creatorToken(a);
  await openRoom(a, creator, 'First ever'); // makes c1 known (followable)
  const v1 = await viewerToken(a, 'v1');
  const v2 = await viewerToken(b, 'v2');
  const v3 = await viewerToken(b, 'v3');
  await follow(a, v1, 'c1');
  await follow(b, v2, 'c1');
  const s1 = t.add(await connect(a.url, v1), (s) => s.close());
  const s1b = t.add(await connect(b.url, v1), (s) => s.close()); // the same user on the other node too
  const s2 = t.add(await connect(b.url, v2), (s) => s.close());
  const s3 = t.add(await connect(a.url, v3), (s) => s.close());
  const [got1, got1b, got2, got3] = [collect(s1), collect(s1b), collect(s2), collect(s3)];

  const when = Date.now() + 3_600_000;
  const scheduled = await openRoom(b, creator, '口红 night', when);
  const room = await openRoom(a, creator, 'Now');
  expect((await api(b.url, 'POST', `/api/rooms/${room.id}/live`, creator)).status).toBe(200);

  await waitFor('both notices on every follower socket', () => got1.length === 2 && got1b.length === 2 && got2.length === 2);
  const byKind = (list: typeof got1) => Object.fromEntries(list.map((n) => [n.kind, n]));
  for (const list of [got1, got1b, got2]) {
    expect(byKind(list)).toEqual({
      'live.scheduled': expect.objectContaining({
        creatorId: 'c1',
        creatorName: 'Creator',
        roomId: scheduled.id,
        title: '口红 night',
        scheduledAt: when,
        read: false,
      }),
      'live.started': expect.objectContaining({ creatorId: 'c1', roomId: room.id, title: 'Now', read: false }),
    });
  }

  const list = await api<NoticeList>(b.url, 'GET', '/api/me/notices', v1);
  expect(list.status).toBe(200);
  expect(list.body.unread).toBe(2);
  expect(list.body.notices.map((n) => n.roomId).sort()).toEqual([scheduled.id, room.id].sort());
  const read = await api(a.url, 'POST', '/api/me/notices/read', v1, { ids: [list.body.notices[0]!.id] });
  expect(read.body).toEqual({ updated: 1, unread: 1 });
  expect((await api(a.url, 'POST', '/api/me/notices/read', v1, { all: true })).body).toEqual({ updated: 1, unread: 0 });
  expect((await api<NoticeList>(a.url, 'GET', '/api/me/notices?unread=true', v1)).body.notices).toEqual([]);
  // v2's notices are v2's: v1 marking all read did not touch them.
  expect((await api<NoticeList>(a.url, 'GET', '/api/me/notices', v2)).body.unread).toBe(2);

  // The non-follower: nothing pushed, nothing listed. The followers' jobs are done (their lists are complete), and the
  // same broadcast carried every push, so a stray one would have arrived by now.
  expect(got3).toEqual([]);
  expect((await api<NoticeList>(a.url, 'GET', '/api/me/notices', v3)).body).toEqual({ notices: [], unread: 0, nextCursor: null });
});
