import { expect, it } from 'vitest';
import type { Room, RoomSnapshot } from '@hawker/protocol';
import { api, call, connect, devToken, next, ok } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a creator creates a room, a viewer joins and gets a snapshot, go live is pushed, ending tells and disconnects the viewer', async () => {
  const node = t.add(await startNode());
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const viewer = await devToken(node.url, { userId: 'v1', name: 'Viewer', role: 'viewer' });

  const created = await api<Room>(node.url, 'POST', '/api/rooms', creator, { title: 'Spring sale', coverUrl: 'https://example.com/c.jpg' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ title: 'Spring sale', creatorId: 'c1', agencyId: 'ag1', status: 'scheduled' });
  const roomId = created.body.id;

  const vs = t.add(await connect(node.url, viewer));
  const before = Date.now();
  const snap = ok(await call(vs, 'room:join', { roomId })) as RoomSnapshot;
  expect(snap.room.id).toBe(roomId);
  expect(snap.you.userId).toBe('v1');
  expect(snap.serverTime).toBeGreaterThanOrEqual(before - 1000);

  const updated = next(vs, 'room:updated');
  const live = await api<Room>(node.url, 'POST', `/api/rooms/${roomId}/live`, creator);
  expect(live.body.status).toBe('live');
  expect((await updated).room.status).toBe('live');

  const listed = await api<{ rooms: Room[] }>(node.url, 'GET', '/api/rooms?status=live&agencyId=ag1', viewer);
  expect(listed.body.rooms.map((r) => r.id)).toEqual([roomId]);

  const ended = next(vs, 'room:ended');
  const disconnected = new Promise<string>((r) => vs.once('disconnect', r));
  const end = await api<Room>(node.url, 'POST', `/api/rooms/${roomId}/end`, creator, { reason: 'Sold out, see you tomorrow' });
  expect(end.body.status).toBe('ended');
  expect(await ended).toEqual({ roomId, reason: 'Sold out, see you tomorrow' });
  expect(await disconnected).toBe('io server disconnect');

  const again = t.add(await connect(node.url, viewer));
  const refused = await call(again, 'room:join', { roomId });
  expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
});
