import { expect, it } from 'vitest';
import type { AgencyRoster } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

const full = (limit: string, max: number) => ({ ok: false, error: { code: 'QUOTA_EXCEEDED', details: { limit, max } } });

it('MODERATION_BANS_PER_ROOM and MODERATION_MUTES_PER_ROOM: a full list refuses a new entry, names the limit and changes nothing; re-banning, re-muting and lifting stay possible', async () => {
  const node = t.add(await startNode({ MODERATION_BANS_PER_ROOM: '2', MODERATION_MUTES_PER_ROOM: '1' }));
  const { roomId, creator } = await liveRoom(node.url);
  const host = t.add(await connect(node.url, creator));
  const audit = async () =>
    (await api<{ entries: unknown[] }>(node.url, 'GET', `/api/rooms/${roomId}/audit?limit=100`, creator)).body.entries.length;

  ok(await call(host, 'mod:ban', { roomId, userId: 'a' }));
  ok(await call(host, 'mod:ban', { roomId, userId: 'b' }));
  const entries = await audit();
  expect(await call(host, 'mod:ban', { roomId, userId: 'c' })).toMatchObject(full('MODERATION_BANS_PER_ROOM', 2));
  const state = async () =>
    (await api<{ bans: string[]; mutes: { userId: string; until: number }[] }>(node.url, 'GET', `/api/rooms/${roomId}/moderation`, creator))
      .body;
  expect((await state()).bans).toEqual(['a', 'b']);
  expect(await audit()).toBe(entries); // refused: not audited either
  ok(await call(host, 'mod:ban', { roomId, userId: 'a', reason: 'again' })); // already banned: allowed
  ok(await call(host, 'mod:unban', { roomId, userId: 'a' }));
  ok(await call(host, 'mod:ban', { roomId, userId: 'c' }));
  expect((await state()).bans).toEqual(['b', 'c']);

  ok(await call(host, 'mod:mute', { roomId, userId: 'm1', durationS: 60 }));
  expect(await call(host, 'mod:mute', { roomId, userId: 'm2', durationS: 60 })).toMatchObject(full('MODERATION_MUTES_PER_ROOM', 1));
  // Changing the current mute's length is not a new entry.
  const longer = ok(await call(host, 'mod:mute', { roomId, userId: 'm1', durationS: 600 })) as { until: number };
  expect((await state()).mutes).toEqual([{ userId: 'm1', until: longer.until }]);
  ok(await call(host, 'mod:unmute', { roomId, userId: 'm1' }));
  ok(await call(host, 'mod:mute', { roomId, userId: 'm2', durationS: 60 }));
  expect((await state()).mutes.map((m) => m.userId)).toEqual(['m2']);
});

it('MODERATION_BANS_PER_AGENCY, AGENCY_MAX_CREATORS and AGENCY_MAX_MODERATORS: full lists refuse new members with the limit named', async () => {
  const node = t.add(await startNode({ MODERATION_BANS_PER_AGENCY: '1', AGENCY_MAX_CREATORS: '1', AGENCY_MAX_MODERATORS: '1' }));
  const url = node.url;
  const admin = await tokenFor(url, 'root', 'admin');
  const owner = await tokenFor(url, 'owner1', 'agency', 'ag1');
  expect((await api(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' })).status).toBe(201);

  expect((await api(url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  const refused = await api(url, 'PUT', '/api/agencies/ag1/creators/c2', owner);
  expect(refused.status).toBe(429);
  expect(refused.body).toMatchObject({ error: { code: 'QUOTA_EXCEEDED', details: { limit: 'AGENCY_MAX_CREATORS', max: 1 } } });
  // Adding someone already there is "no change", not a refusal.
  expect((await api<{ changed: boolean }>(url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).body.changed).toBe(false);
  expect((await api(url, 'PUT', '/api/agencies/ag1/moderators/m1', owner)).status).toBe(200);
  expect((await api(url, 'PUT', '/api/agencies/ag1/moderators/m2', owner)).body).toMatchObject({
    error: { code: 'QUOTA_EXCEEDED', details: { limit: 'AGENCY_MAX_MODERATORS', max: 1 } },
  });
  const roster = (await api<AgencyRoster>(url, 'GET', '/api/agencies/ag1', owner)).body;
  expect(roster).toMatchObject({ creators: ['c1'], moderators: ['m1'] });

  const staff = t.add(await connect(url, owner));
  ok(await call(staff, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll1' }));
  expect(await call(staff, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll2' })).toMatchObject(full('MODERATION_BANS_PER_AGENCY', 1));
  const state = await api<{ bans: string[] }>(url, 'GET', '/api/agencies/ag1/moderation', owner);
  expect(state.body.bans).toEqual(['troll1']);
});
