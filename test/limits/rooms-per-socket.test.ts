import { expect, it } from 'vitest';
import { call, connect, ok } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('ROOMS_PER_SOCKET: parallel joins on one connection stop at the limit; leaving frees a slot; refused rooms see nothing', async () => {
  const node = t.add(await startNode({ ROOMS_PER_SOCKET: '3', ROOMS_OPEN_PER_CREATOR: '10' }));
  const rooms = [];
  for (let i = 0; i < 5; i++) rooms.push(t.add(await liveRoom(node.url, { title: `Room ${i}` })).roomId);
  const viewer = t.add(await connect(node.url, await tokenFor(node.url, 'roamer')));

  const acks = await Promise.all(rooms.map((roomId) => call(viewer, 'room:join', { roomId })));
  const joined = rooms.filter((_, i) => acks[i]!.ok);
  const refused = rooms.filter((_, i) => !acks[i]!.ok);
  expect(joined).toHaveLength(3);
  for (const ack of acks.filter((a) => !a.ok)) {
    expect(ack).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', details: { limit: 'ROOMS_PER_SOCKET', max: 3 } } });
  }
  // Joining a room again takes no slot; a refused room has no viewer and takes no taps from this connection.
  expect((await call(viewer, 'room:join', { roomId: joined[0]! })).ok).toBe(true);
  expect(await call(viewer, 'like:tap', { roomId: refused[0]!, count: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  const other = t.add(await connect(node.url, await tokenFor(node.url, 'other')));
  expect((ok(await call(other, 'room:join', { roomId: refused[0]! })) as { stats: { viewers: number } }).stats.viewers).toBe(1);

  // Another connection of the same user has its own slots.
  const second = t.add(await connect(node.url, await tokenFor(node.url, 'roamer')));
  expect((await call(second, 'room:join', { roomId: refused[0]! })).ok).toBe(true);

  // Leaving frees the slot.
  ok(await call(viewer, 'room:leave', { roomId: joined[0]! }));
  expect((await call(viewer, 'room:join', { roomId: refused[0]! })).ok).toBe(true);
  expect(await call(viewer, 'room:join', { roomId: refused[1]! })).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED' } });
});

it('ROOMS_PER_SOCKET: a console media session takes a slot like a join', async () => {
  const node = t.add(await startNode({ ROOMS_PER_SOCKET: '2', ROOMS_OPEN_PER_CREATOR: '10' }));
  const rooms = [];
  for (let i = 0; i < 3; i++) rooms.push(t.add(await liveRoom(node.url, { agencyId: 'ag1', title: `Agency room ${i}` })).roomId);
  // ag1 is not registered on this node, so the moderator's signed claim stands.
  const staff = t.add(await connect(node.url, await tokenFor(node.url, 'mod1', 'moderator', 'ag1')));
  ok(await call(staff, 'console:media', { roomId: rooms[0]! }));
  ok(await call(staff, 'room:join', { roomId: rooms[1]! }));
  expect(await call(staff, 'console:media', { roomId: rooms[2]! })).toMatchObject({
    ok: false,
    error: { code: 'QUOTA_EXCEEDED', details: { limit: 'ROOMS_PER_SOCKET', max: 2 } },
  });
  // The same room again takes no new slot.
  expect((await call(staff, 'console:media', { roomId: rooms[0]! })).ok).toBe(true);
});
