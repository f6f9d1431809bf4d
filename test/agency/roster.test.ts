import { expect, it } from 'vitest';
import type { Agency, AgencyRoster, Room } from '@hawker/protocol';
import { api, call } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('admins register agencies; owners manage their roster; a creator is on at most one roster', async () => {
  const node = t.add(await startNode());
  const url = node.url;
  const admin = await tokenFor(url, 'root', 'admin');
  const owner1 = await tokenFor(url, 'owner1', 'agency', 'ag1');
  const owner2 = await tokenFor(url, 'owner2', 'agency', 'ag2');

  expect((await api(url, 'POST', '/api/agencies', owner1, { id: 'ag1', name: 'One', ownerId: 'owner1' })).status).toBe(403);
  const created = await api<Agency>(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: '  One\u0000 ', ownerId: 'owner1' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: 'ag1', name: 'One', ownerId: 'owner1' });
  expect((await api(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Again', ownerId: 'x' })).status).toBe(409);
  expect((await api(url, 'POST', '/api/agencies', admin, { id: 'ag2', name: 'Two', ownerId: 'owner2' })).status).toBe(201);
  expect((await api(url, 'POST', '/api/agencies', admin, { id: 'bad id!', name: 'x', ownerId: 'o' })).status).toBe(400);

  const added = await api<{ changed: boolean; roster: AgencyRoster }>(url, 'PUT', '/api/agencies/ag1/creators/c1', owner1);
  expect(added.body).toMatchObject({ changed: true, roster: { creators: ['c1'], moderators: [] } });
  expect((await api<{ changed: boolean }>(url, 'PUT', '/api/agencies/ag1/creators/c1', owner1)).body.changed).toBe(false);
  await api(url, 'PUT', '/api/agencies/ag1/moderators/m1', owner1);
  // c1 is ag1's: ag2 cannot take them until ag1 lets go.
  expect((await api(url, 'PUT', '/api/agencies/ag2/creators/c1', owner2)).status).toBe(409);
  // Owners manage only their own roster.
  expect((await api(url, 'PUT', '/api/agencies/ag1/creators/c9', owner2)).status).toBe(403);
  expect((await api(url, 'PUT', '/api/agencies/nope/creators/c9', admin)).status).toBe(404);

  const roster = await api<AgencyRoster>(url, 'GET', '/api/agencies/ag1', await tokenFor(url, 'm1', 'moderator', 'ag1'));
  expect(roster.body).toMatchObject({ agency: { id: 'ag1' }, creators: ['c1'], moderators: ['m1'] });
  expect((await api(url, 'GET', '/api/agencies/ag1', owner2)).status).toBe(403);
  const listed = await api<{ agencies: Agency[] }>(url, 'GET', '/api/agencies', admin);
  expect(listed.body.agencies.map((a) => a.id).sort()).toEqual(['ag1', 'ag2']);

  await api(url, 'DELETE', '/api/agencies/ag1/creators/c1', owner1);
  expect((await api(url, 'PUT', '/api/agencies/ag2/creators/c1', owner2)).status).toBe(200);
});

it("the roster, not the token claim, decides a registered agency's membership", async () => {
  const node = t.add(await startNode());
  const url = node.url;
  const admin = await tokenFor(url, 'root', 'admin');
  await api(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' });
  const owner1 = await tokenFor(url, 'owner1', 'agency', 'ag1');
  await api(url, 'PUT', '/api/agencies/ag1/creators/c1', owner1);
  await api(url, 'PUT', '/api/agencies/ag1/moderators/m1', owner1);

  // A rostered creator's room belongs to the agency even if the token says nothing about it.
  const rostered = await api<Room>(url, 'POST', '/api/rooms', await tokenFor(url, 'c1', 'creator'), { title: 'x' });
  expect(rostered.body.agencyId).toBe('ag1');
  // A creator claiming a registered agency that does not list them gets no agency.
  const claimer = await api<Room>(url, 'POST', '/api/rooms', await tokenFor(url, 'c2', 'creator', 'ag1'), { title: 'y' });
  expect(claimer.body.agencyId).toBeNull();
  // A claim naming an agency not registered here is taken as signed (an identity provider managing agencies itself).
  const external = await api<Room>(url, 'POST', '/api/rooms', await tokenFor(url, 'c3', 'creator', 'ext'), { title: 'z' });
  expect(external.body.agencyId).toBe('ext');

  const roomId = rostered.body.id;
  const m1 = t.add(await LiveClient.connect(url, await tokenFor(url, 'm1', 'moderator', 'ag1')));
  const impostor = t.add(await LiveClient.connect(url, await tokenFor(url, 'm2', 'moderator', 'ag1')));
  const fakeOwner = t.add(await LiveClient.connect(url, await tokenFor(url, 'owner9', 'agency', 'ag1')));
  expect(await call(m1.socket, 'mod:slowMode', { roomId, seconds: 5 })).toMatchObject({ ok: true });
  expect(await call(impostor.socket, 'mod:slowMode', { roomId, seconds: 5 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(fakeOwner.socket, 'mod:slowMode', { roomId, seconds: 5 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect((await api(url, 'POST', `/api/rooms/${roomId}/end`, await tokenFor(url, 'owner9', 'agency', 'ag1'), {})).status).toBe(403);

  // Removal takes effect at once, on an open connection too, while the token is still valid.
  await api(url, 'DELETE', '/api/agencies/ag1/moderators/m1', owner1);
  expect(await call(m1.socket, 'mod:slowMode', { roomId, seconds: 0 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  const { roomId: extRoom } = await liveRoom(url, { creatorId: 'c4', agencyId: 'ext' });
  const extMod = t.add(await LiveClient.connect(url, await tokenFor(url, 'em', 'moderator', 'ext')));
  expect(await call(extMod.socket, 'mod:slowMode', { roomId: extRoom, seconds: 5 })).toMatchObject({ ok: true });
});

it('rooms are listed by agency and by creator', async () => {
  const node = t.add(await startNode());
  const url = node.url;
  const admin = await tokenFor(url, 'root', 'admin');
  await api(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' });
  const owner1 = await tokenFor(url, 'owner1', 'agency', 'ag1');
  for (const c of ['c1', 'c2']) await api(url, 'PUT', `/api/agencies/ag1/creators/${c}`, owner1);
  const a = await liveRoom(url, { creatorId: 'c1' });
  const b = await liveRoom(url, { creatorId: 'c2', live: false });
  await liveRoom(url, { creatorId: 'indie' });
  const byAgency = await api<{ rooms: Room[] }>(url, 'GET', '/api/rooms?agencyId=ag1', owner1);
  expect(byAgency.body.rooms.map((r) => r.id).sort()).toEqual([a.roomId, b.roomId].sort());
  const liveOnly = await api<{ rooms: Room[] }>(url, 'GET', '/api/rooms?agencyId=ag1&status=live', owner1);
  expect(liveOnly.body.rooms.map((r) => r.id)).toEqual([a.roomId]);
  const byCreator = await api<{ rooms: Room[] }>(url, 'GET', '/api/rooms?creatorId=c2', owner1);
  expect(byCreator.body.rooms.map((r) => r.id)).toEqual([b.roomId]);
});

it('two agencies racing to sign the same creator: exactly one roster gets them', async () => {
  const node = t.add(await startNode());
  const url = node.url;
  const admin = await tokenFor(url, 'root', 'admin');
  const owners: string[] = [];
  for (let i = 0; i < 6; i++) {
    await api(url, 'POST', '/api/agencies', admin, { id: `ag${i}`, name: `A${i}`, ownerId: `owner${i}` });
    owners.push(await tokenFor(url, `owner${i}`, 'agency', `ag${i}`));
  }
  const results = await Promise.all(owners.map((t, i) => api(url, 'PUT', `/api/agencies/ag${i}/creators/star`, t)));
  expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  expect(results.filter((r) => r.status === 409)).toHaveLength(5);
  const winner = results.findIndex((r) => r.status === 200);
  const rosters = await Promise.all(owners.map((t, i) => api<AgencyRoster>(url, 'GET', `/api/agencies/ag${i}`, t)));
  expect(rosters.map((r) => r.body.creators.includes('star'))).toEqual(owners.map((_, i) => i === winner));
  const room = await api<Room>(url, 'POST', '/api/rooms', await tokenFor(url, 'star', 'creator'), { title: 's' });
  expect(room.body.agencyId).toBe(`ag${winner}`);
});
