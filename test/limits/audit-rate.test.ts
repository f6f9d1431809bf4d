import { expect, it } from 'vitest';
import type { AgencyModerationState, AgencyRoster, AuditPage, LimitDetails, RoomModerationState } from '@hawker/protocol';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

const limited = (details: LimitDetails | undefined, max: number) => {
  expect(details).toMatchObject({ limit: 'AUDIT_RATE_PER_AGENCY_PER_MIN', max });
  expect(details?.retryAfterMs).toBeGreaterThan(0);
  expect(details?.retryAfterMs).toBeLessThanOrEqual(60_000);
};

it("an agency's audited actions are capped per minute across nodes; a refused one changes nothing and is not logged; admins and other agencies keep theirs", async () => {
  const [a, b] = await twoNodes(t, { AUDIT_RATE_PER_AGENCY_PER_MIN: '6' });
  const admin = await tokenFor(a.url, 'root', 'admin');
  const owner = await tokenFor(a.url, 'owner1', 'agency', 'ag1');
  expect((await api(a.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'One', ownerId: 'owner1' })).status).toBe(201);
  expect((await api(a.url, 'POST', '/api/agencies', admin, { id: 'ag2', name: 'Two', ownerId: 'owner2' })).status).toBe(201);
  // The agency's budget of 6: two roster changes, then four keyword edits, two through each node.
  expect((await api(a.url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  expect((await api(b.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  const modToken = await tokenFor(a.url, 'mod1', 'moderator', 'ag1');
  const onA = t.add(await connect(a.url, modToken));
  const onB = t.add(await connect(b.url, modToken));
  for (const [socket, word] of [
    [onA, 'one'],
    [onB, 'two'],
    [onA, 'three'],
    [onB, 'four'],
  ] as const) {
    ok(await call(socket, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word, mode: 'block' }] }));
  }
  const logBefore = await api<AuditPage>(a.url, 'GET', '/api/agencies/ag1/audit?limit=200', owner);
  expect(logBefore.body.entries).toHaveLength(7); // agency.create + 6

  // Spent: every kind of audited action is refused, on either node, naming the limit.
  const edit = await call(onB, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word: 'five', mode: 'block' }], remove: ['one'] });
  expect(edit).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  if (!edit.ok) {
    limited(edit.error.details as LimitDetails, 6);
    expect(edit.error.message).toMatch(/AUDIT_RATE_PER_AGENCY_PER_MIN.*retry in \d+ s/);
  }
  const ban = await call(onA, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll' });
  expect(ban).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  const roster = await api<{ error: { code: string; details: LimitDetails } }>(b.url, 'PUT', '/api/agencies/ag1/moderators/mod2', owner);
  expect(roster.status).toBe(429);
  expect(roster.body.error.code).toBe('RATE_LIMITED');
  limited(roster.body.error.details, 6);

  const state = await api<AgencyModerationState>(a.url, 'GET', '/api/agencies/ag1/moderation', owner);
  expect(state.body.keywords.map((k) => k.word)).toEqual(['four', 'one', 'three', 'two']);
  expect(state.body.bans).toEqual([]);
  expect((await api<AgencyRoster>(a.url, 'GET', '/api/agencies/ag1', owner)).body.moderators).toEqual(['mod1']);
  const logAfter = await api<AuditPage>(b.url, 'GET', '/api/agencies/ag1/audit?limit=200', owner);
  expect(logAfter.body.entries.map((e) => e.cursor)).toEqual(logBefore.body.entries.map((e) => e.cursor));

  // A platform admin has a budget of their own: they can still step in.
  const adminSocket = t.add(await connect(b.url, admin));
  ok(await call(adminSocket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'troll' }));
  // Another agency's budget is untouched.
  const owner2 = await tokenFor(a.url, 'owner2', 'agency', 'ag2');
  const other = t.add(await connect(a.url, owner2));
  ok(await call(other, 'mod:agencyKeywords', { agencyId: 'ag2', add: [{ word: 'rival', mode: 'shadow' }] }));
});

it('a room without an agency counts against its creator, whichever of their rooms they act in', async () => {
  const [a, b] = await twoNodes(t, { AUDIT_RATE_PER_AGENCY_PER_MIN: '2' });
  const first = await liveRoom(a.url, { creatorId: 'solo' });
  const second = await liveRoom(b.url, { creatorId: 'solo' });
  const host = t.add(await connect(a.url, first.creator));
  ok(await call(host, 'mod:slowMode', { roomId: first.roomId, seconds: 5 }));
  ok(await call(host, 'mod:roomKeywords', { roomId: second.roomId, add: [{ word: 'spam', mode: 'block' }] }));

  const refused = await call(host, 'mod:roomKeywords', { roomId: second.roomId, add: [{ word: 'scam', mode: 'block' }] });
  expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  if (!refused.ok) limited(refused.error.details as LimitDetails, 2);
  expect(await call(host, 'mod:slowMode', { roomId: first.roomId, seconds: 30 })).toMatchObject({
    ok: false,
    error: { code: 'RATE_LIMITED' },
  });

  const state = await api<RoomModerationState>(b.url, 'GET', `/api/rooms/${second.roomId}/moderation`, first.creator);
  expect(state.body.keywords).toEqual([{ word: 'spam', mode: 'block' }]);
  expect((await api<RoomModerationState>(a.url, 'GET', `/api/rooms/${first.roomId}/moderation`, first.creator)).body.slowModeS).toBe(5);
  expect((await api<AuditPage>(a.url, 'GET', `/api/rooms/${second.roomId}/audit`, first.creator)).body.entries).toHaveLength(1);
});
