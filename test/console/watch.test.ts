import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api, call, connect, devToken, next, ok } from '../../harness/clients.ts';
import { startNode, twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function liveRoom(url: string, token: string, title: string): Promise<Room> {
  const created = await api<Room>(url, 'POST', '/api/rooms', token, { title });
  expect(created.status).toBe(201);
  const live = await api<Room>(url, 'POST', `/api/rooms/${created.body.id}/live`, token);
  expect(live.body.status).toBe('live');
  return live.body;
}

it('a moderator watches every live room of their agency from one connection; rooms appear and disappear as they go live and end', async () => {
  const { url } = t.add(await startNode());
  const creatorA = await devToken(url, { userId: 'ca', name: 'Creator A', role: 'creator', agencyId: 'ag1' });
  const creatorB = await devToken(url, { userId: 'cb', name: 'Creator B', role: 'creator', agencyId: 'ag1' });
  const outsider = await devToken(url, { userId: 'co', name: 'Other agency', role: 'creator', agencyId: 'ag2' });
  const first = await liveRoom(url, creatorA, 'First live');
  await api<Room>(url, 'POST', '/api/rooms', creatorA, { title: 'Not live yet' });
  await liveRoom(url, outsider, 'Someone else');

  const mod = t.add(await connect(url, await devToken(url, { userId: 'm1', name: 'Mod', role: 'moderator', agencyId: 'ag1' })));
  const watched = ok(await call(mod, 'console:watch', { agencyId: 'ag1' }));
  expect(watched.agencyId).toBe('ag1');
  expect(watched.rooms.map((s) => s.room.id)).toEqual([first.id]);
  expect(watched.rooms[0]!.room.status).toBe('live');

  // A room going live later is announced with its snapshot, and its own pushes reach the console from then on.
  const created = await api<Room>(url, 'POST', '/api/rooms', creatorB, { title: 'Second live' });
  const announced = next(mod, 'console:roomLive');
  const updated = next(mod, 'room:updated');
  await api<Room>(url, 'POST', `/api/rooms/${created.body.id}/live`, creatorB);
  expect((await announced).snapshot.room).toMatchObject({ id: created.body.id, title: 'Second live', status: 'live' });
  expect((await updated).room.id).toBe(created.body.id);

  // Ending a room tells the console and removes it, but does not cut the console (viewers of that room are cut).
  const viewer = t.add(await connect(url, await devToken(url, { userId: 'v1', name: 'Viewer', role: 'viewer' })));
  ok(await call(viewer, 'room:join', { roomId: first.id }));
  const viewerCut = new Promise<string>((resolve) => viewer.once('disconnect', resolve));
  const removed = next(mod, 'console:roomEnded');
  await api<Room>(url, 'POST', `/api/rooms/${first.id}/end`, creatorA, { reason: 'Done for today' });
  expect(await removed).toEqual({ agencyId: 'ag1', roomId: first.id, reason: 'Done for today' });
  expect(await viewerCut).toBe('io server disconnect');
  expect(mod.connected).toBe(true);
  const again = ok(await call(mod, 'console:watch', { agencyId: 'ag1' }));
  expect(again.rooms.map((s) => s.room.id)).toEqual([created.body.id]);
});

it('refuses other agencies and viewers; an admin may watch any agency', async () => {
  const { url } = t.add(await startNode());
  const other = t.add(await connect(url, await devToken(url, { userId: 'm2', name: 'Other mod', role: 'moderator', agencyId: 'ag2' })));
  const viewer = t.add(await connect(url, await devToken(url, { userId: 'v2', name: 'Viewer', role: 'viewer' })));
  const creator = t.add(await connect(url, await devToken(url, { userId: 'c2', name: 'Creator', role: 'creator', agencyId: 'ag1' })));
  const admin = t.add(await connect(url, await devToken(url, { userId: 'a1', name: 'Admin', role: 'admin' })));
  for (const s of [other, viewer, creator]) {
    expect(await call(s, 'console:watch', { agencyId: 'ag1' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  }
  expect(await call(admin, 'console:watch', { agencyId: 'ag1' })).toMatchObject({ ok: true, data: { agencyId: 'ag1', rooms: [] } });
  expect(await call(admin, 'console:watch', { agencyId: 'bad id!' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
});

it('an unwatched agency sends nothing more', async () => {
  const { url } = t.add(await startNode());
  const creator = await devToken(url, { userId: 'c3', name: 'Creator', role: 'creator', agencyId: 'ag3' });
  const room = await liveRoom(url, creator, 'Watched then not');
  const owner = t.add(await connect(url, await devToken(url, { userId: 'o3', name: 'Owner', role: 'agency', agencyId: 'ag3' })));
  expect(ok(await call(owner, 'console:watch', { agencyId: 'ag3' })).rooms).toHaveLength(1);
  expect(ok(await call(owner, 'console:unwatch', { agencyId: 'ag3' }))).toEqual({ agencyId: 'ag3' });
  const heard: string[] = [];
  owner.onAny((event: string) => heard.push(event));
  const second = await liveRoom(url, creator, 'Second');
  await api<Room>(url, 'POST', `/api/rooms/${room.id}/end`, creator);
  await api<Room>(url, 'POST', `/api/rooms/${second.id}/end`, creator);
  // A round trip after the pushes would have been sent: anything addressed to this socket has arrived by now.
  ok(await call(owner, 'room:leave', { roomId: room.id }));
  expect(heard).toEqual([]);
});

it('a watching console is not counted as a viewer, even on a node where the room has nobody', async () => {
  const [node, other] = await twoNodes(t);
  const creator = await devToken(node.url, { userId: 'c4', name: 'Creator', role: 'creator', agencyId: 'ag4' });
  const room = await liveRoom(node.url, creator, 'Counted right');
  const v1 = t.add(await connect(node.url, await devToken(node.url, { userId: 'v41', name: 'V1', role: 'viewer' })));
  expect(ok(await call(v1, 'room:join', { roomId: room.id })).stats.viewers).toBe(1);

  // The console is on the other node, where this room has no participant.
  const mod = t.add(await connect(other.url, await devToken(other.url, { userId: 'm4', name: 'Mod', role: 'moderator', agencyId: 'ag4' })));
  const watched = ok(await call(mod, 'console:watch', { agencyId: 'ag4' }));
  expect(watched.rooms[0]!.stats.viewers).toBe(1);

  const v2 = t.add(await connect(node.url, await devToken(node.url, { userId: 'v42', name: 'V2', role: 'viewer' })));
  expect(ok(await call(v2, 'room:join', { roomId: room.id })).stats.viewers).toBe(2);
});

it("console:media gives a moderator the room's media without joining; other agencies and rooms that are not live are refused", async () => {
  const { url } = t.add(await startNode());
  const creator = await devToken(url, { userId: 'c5', name: 'Creator', role: 'creator', agencyId: 'ag5' });
  const room = await liveRoom(url, creator, 'Thumbnail');
  const scheduled = await api<Room>(url, 'POST', '/api/rooms', creator, { title: 'Later' });
  const mod = t.add(await connect(url, await devToken(url, { userId: 'm5', name: 'Mod', role: 'moderator', agencyId: 'ag5' })));
  const outsider = t.add(await connect(url, await devToken(url, { userId: 'm6', name: 'Other', role: 'moderator', agencyId: 'ag6' })));

  expect(await call(mod, 'media:capabilities', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(outsider, 'console:media', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(mod, 'console:media', { roomId: scheduled.body.id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  expect(ok(await call(mod, 'console:media', { roomId: room.id }))).toEqual({ roomId: room.id });
  const caps = ok(await call(mod, 'media:capabilities', { roomId: room.id }));
  expect(caps.producers).toEqual([]);
  expect(ok(await call(mod, 'media:createTransport', { roomId: room.id, direction: 'recv' })).id).toBeTruthy();
  // Publishing stays the creator's.
  expect(await call(mod, 'media:createTransport', { roomId: room.id, direction: 'send' })).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });

  // Not a viewer: a viewer joining now is the only one counted.
  const viewer = t.add(await connect(url, await devToken(url, { userId: 'v5', name: 'Viewer', role: 'viewer' })));
  expect(ok(await call(viewer, 'room:join', { roomId: room.id })).stats.viewers).toBe(1);
});
