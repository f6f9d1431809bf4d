import { expect, it } from 'vitest';
import type { AgencyModerationState, AuditPage, RoomModerationState } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** Agency ag1 registered with owner `owner1`, creators c1 and c2, moderators mod1 and mod2; returns the tokens. */
async function agency(url: string) {
  const admin = await tokenFor(url, 'root', 'admin');
  expect((await api(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' })).status).toBe(201);
  const owner = await tokenFor(url, 'owner1', 'agency', 'ag1');
  for (const path of ['creators/c1', 'creators/c2', 'moderators/mod1', 'moderators/mod2']) {
    expect((await api(url, 'PUT', `/api/agencies/ag1/${path}`, owner)).status).toBe(200);
  }
  return { admin, owner };
}

it("nobody mutes or bans a room's creator in their own room, nor agency-bans the owner or a roster creator; moderators leave the owner and other moderators alone; nothing is written", async () => {
  const node = t.add(await startNode());
  const { owner } = await agency(node.url);
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c1' }));
  const roomId = room.roomId;
  const as = async (userId: string, role: 'moderator' | 'agency' | 'admin' | 'creator') =>
    t.add(await connect(node.url, await tokenFor(node.url, userId, role, role === 'admin' ? undefined : 'ag1')));
  const mod = await as('mod1', 'moderator');
  const ownerSocket = await as('owner1', 'agency');
  const adminSocket = await as('root', 'admin');
  const creator = await as('c1', 'creator');
  const auditOf = async () =>
    [
      ...(await api<AuditPage>(node.url, 'GET', '/api/agencies/ag1/audit', owner)).body.entries,
      ...(await api<AuditPage>(node.url, 'GET', `/api/rooms/${roomId}/audit`, owner)).body.entries,
    ].map((e) => `${e.action} ${e.targetUserId ?? ''}`);
  const auditBefore = await auditOf();

  const conflict = (message: RegExp) => ({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(message) } });
  const forbidden = (message: RegExp) => ({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(message) } });
  // CONFLICT: nobody may, admins included; the state has to change first (the creator leaves the roster).
  for (const s of [mod, ownerSocket, adminSocket]) {
    expect(await call(s, 'mod:ban', { roomId, userId: 'c1' })).toMatchObject(conflict(/creator cannot be banned in their own room/));
    expect(await call(s, 'mod:mute', { roomId, userId: 'c1', durationS: 60 })).toMatchObject(conflict(/creator cannot be muted/));
    expect(await call(s, 'mod:agencyBan', { agencyId: 'ag1', userId: 'c1' })).toMatchObject(conflict(/remove them from the roster first/));
    expect(await call(s, 'mod:agencyBan', { agencyId: 'ag1', userId: 'c2' })).toMatchObject(conflict(/remove them from the roster first/));
    expect(await call(s, 'mod:agencyBan', { agencyId: 'ag1', userId: 'owner1' })).toMatchObject(conflict(/owner cannot be banned/));
  }
  // FORBIDDEN: a moderator may not, the owner or an admin may.
  expect(await call(mod, 'mod:ban', { roomId, userId: 'owner1' })).toMatchObject(forbidden(/cannot mute or ban the agency's owner/));
  expect(await call(mod, 'mod:mute', { roomId, userId: 'owner1', durationS: 60 })).toMatchObject(forbidden(/agency's owner/));
  expect(await call(mod, 'mod:mute', { roomId, userId: 'mod2', durationS: 60 })).toMatchObject(
    forbidden(/another of the agency's moderators/),
  );
  expect(await call(mod, 'mod:ban', { roomId, userId: 'mod2' })).toMatchObject(forbidden(/another of the agency's moderators/));
  expect(await call(mod, 'mod:agencyBan', { agencyId: 'ag1', userId: 'mod2' })).toMatchObject(forbidden(/moderators/));

  // Nothing was written: no ban, no mute, no audit entry.
  const roomState = await api<RoomModerationState>(node.url, 'GET', `/api/rooms/${roomId}/moderation`, owner);
  expect(roomState.body).toMatchObject({ bans: [], mutes: [] });
  expect((await api<AgencyModerationState>(node.url, 'GET', '/api/agencies/ag1/moderation', owner)).body.bans).toEqual([]);
  expect(await auditOf()).toEqual(auditBefore);

  // What stays allowed: the owner and the room's creator act on a moderator, an admin on the owner, a moderator on a
  // viewer and on a creator of the agency who is a viewer in this room.
  ok(await call(ownerSocket, 'mod:mute', { roomId, userId: 'mod2', durationS: 60 }));
  ok(await call(creator, 'mod:ban', { roomId, userId: 'mod2' }));
  ok(await call(adminSocket, 'mod:mute', { roomId, userId: 'owner1', durationS: 60 }));
  ok(await call(mod, 'mod:mute', { roomId, userId: 'c2', durationS: 60 }));
  ok(await call(mod, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll' }));
});

it('an agency ban does not lock a creator out of their own room (a creator who left the roster may be banned agency-wide)', async () => {
  const node = t.add(await startNode());
  const { owner } = await agency(node.url);
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c2' }));
  const other = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c1' }));
  expect((await api(node.url, 'DELETE', '/api/agencies/ag1/creators/c2', owner)).status).toBe(200);
  const ownerSocket = t.add(await connect(node.url, await tokenFor(node.url, 'owner1', 'agency', 'ag1')));
  ok(await call(ownerSocket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'c2' }));

  // Their room was created in the agency and still belongs to it; they still get in. Other rooms of the agency: banned.
  const c2 = t.add(await connect(node.url, await tokenFor(node.url, 'c2', 'creator')));
  expect(ok(await call(c2, 'room:join', { roomId: room.roomId })).room.id).toBe(room.roomId);
  expect(await call(c2, 'room:join', { roomId: other.roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
});
