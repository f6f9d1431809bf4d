import { expect, it } from 'vitest';
import { AgencyConsole, HawkerApi, HawkerError, LiveRoom, type LifecycleEvents } from '../../client-sdk/src/index.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

async function tokens(url: string) {
  const creator = await HawkerApi.devToken(url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const viewer = await HawkerApi.devToken(url, { userId: 'v1', name: 'Viewer', role: 'viewer' });
  const mod = await HawkerApi.devToken(url, { userId: 'm1', name: 'Mod', role: 'moderator', agencyId: 'ag1' });
  return { creator: new HawkerApi(url, creator.token), viewer: viewer.token, mod: mod.token };
}

it('a LiveRoom reconnects by itself after the transport drops, re-joins with a fresh snapshot, and keeps receiving pushes', async () => {
  const node = t.add(await startNode());
  const { creator, viewer } = await tokens(node.url);
  const created = await creator.createRoom({ title: 'Reconnecting' });
  const room = t.add(await LiveRoom.join(node.url, viewer, created.id));
  const events: string[] = [];
  for (const e of ['disconnected', 'reconnected', 'resync'] as const) room.on(e, () => events.push(e));

  const resynced = room.once('resync');
  room.socket.io.engine.close(); // the network drops
  expect(room.status).toBe('reconnecting');
  await expect(room.request('room:leave', { roomId: created.id })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  expect((await resynced).room.id).toBe(created.id);
  expect(events).toEqual(['disconnected', 'reconnected', 'resync']);
  expect(room.status).toBe('connected');

  const updated = room.once('room:updated');
  await creator.goLive(created.id);
  expect((await updated).room.status).toBe('live');
  expect(room.room.status).toBe('live');
});

it('a LiveRoom closes when its room ends: one closed event, later requests fail with CLOSED, close() stays idempotent', async () => {
  const node = t.add(await startNode());
  const { creator, viewer } = await tokens(node.url);
  const created = await creator.createRoom({ title: 'Ending' });
  const room = t.add(await LiveRoom.join(node.url, viewer, created.id));
  const closed: LifecycleEvents['closed'][] = [];
  room.on('closed', (p) => closed.push(p));
  const ended = room.once('room:ended');
  const closedOnce = room.once('closed');
  await creator.endRoom(created.id, 'Bye');
  expect(await ended).toEqual({ roomId: created.id, reason: 'Bye' });
  await closedOnce;
  room.close();
  room.close();
  expect(closed).toEqual([{ reason: 'Bye', code: 'ROOM_ENDED' }]);
  expect(room.status).toBe('closed');
  const err = await room.request('room:join', { roomId: created.id }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HawkerError);
  expect((err as HawkerError).code).toBe('CLOSED');
});

it('an AgencyConsole re-watches after a reconnect, and its room map follows rooms going live and ending', async () => {
  const node = t.add(await startNode());
  const { creator, mod } = await tokens(node.url);
  const first = await creator.createRoom({ title: 'First' });
  const agency = t.add(await AgencyConsole.connect(node.url, mod, 'ag1'));
  expect(agency.rooms.size).toBe(0);
  const firstLive = agency.once('room:updated');
  await creator.goLive(first.id);
  await firstLive; // a broadcast seen: Socket.IO can now recover this session after a drop
  expect([...agency.rooms.keys()]).toEqual([first.id]);

  const resynced = agency.once('resync');
  const back = agency.once('reconnected');
  agency.socket.io.engine.close();
  expect((await back).recovered).toBe(true);
  expect((await resynced).rooms.map((s) => s.room.id)).toEqual([first.id]);
  // The recovered session did not bring the console back as a member of the room: a viewer joining now is the only
  // one counted.
  const viewerToken = (await HawkerApi.devToken(node.url, { userId: 'v9', name: 'Viewer', role: 'viewer' })).token;
  const watcher = t.add(await LiveRoom.join(node.url, viewerToken, first.id));
  expect(watcher.snapshot.stats.viewers).toBe(1);

  const second = await creator.createRoom({ title: 'Second' });
  const live = agency.once('console:roomLive');
  await creator.goLive(second.id);
  expect((await live).snapshot.room.id).toBe(second.id);
  expect([...agency.rooms.keys()].sort()).toEqual([first.id, second.id].sort());

  const ended = agency.once('console:roomEnded');
  await creator.endRoom(first.id);
  expect((await ended).roomId).toBe(first.id);
  expect([...agency.rooms.keys()]).toEqual([second.id]);
  expect(agency.status).toBe('connected');

  await expect(AgencyConsole.connect(node.url, mod, 'ag2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
});
