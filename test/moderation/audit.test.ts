import { expect, it } from 'vitest';
import type { AuditEntry, AuditPage, ChatMessage } from '@hawker/protocol';
import { api, call, ok } from '../../harness/clients.ts';
import { LiveClient, liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('every moderation and roster action lands in the audit log: who, what, when, which room; readable by the right people', async () => {
  const node = t.add(await startNode());
  const url = node.url;
  const admin = await tokenFor(url, 'root', 'admin');
  const owner = await tokenFor(url, 'owner1', 'agency', 'ag1');
  const start = Date.now();
  await api(url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' });
  await api(url, 'PUT', '/api/agencies/ag1/creators/c1', owner);
  await api(url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner);
  const { roomId, creator } = await liveRoom(url, { creatorId: 'c1' });
  const host = t.add(await LiveClient.connect(url, creator));
  const moderator = t.add(await LiveClient.connect(url, await tokenFor(url, 'mod1', 'moderator', 'ag1')));
  const viewer = t.add(await LiveClient.connect(url, await tokenFor(url, 'v1')));
  await viewer.join(roomId);
  const msg = ok(await call(viewer.socket, 'chat:send', { roomId, text: 'oops' })) as ChatMessage;

  ok(await call(moderator.socket, 'mod:delete', { roomId, messageId: msg.id }));
  ok(await call(moderator.socket, 'mod:mute', { roomId, userId: 'v1', durationS: 60, reason: 'cool off' }));
  ok(await call(host.socket, 'mod:unmute', { roomId, userId: 'v1' }));
  ok(await call(host.socket, 'mod:slowMode', { roomId, seconds: 10 }));
  ok(await call(host.socket, 'mod:roomKeywords', { roomId, add: [{ word: 'spam', mode: 'shadow' }] }));
  ok(await call(moderator.socket, 'mod:ban', { roomId, userId: 'v1' }));
  ok(await call(moderator.socket, 'mod:unban', { roomId, userId: 'v1' }));
  ok(await call(moderator.socket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'v2' }));
  ok(await call(moderator.socket, 'mod:agencyUnban', { agencyId: 'ag1', userId: 'v2' }));
  ok(await call(moderator.socket, 'mod:agencyKeywords', { agencyId: 'ag1', add: [{ word: 'rival', mode: 'block' }] }));
  await api(url, 'DELETE', '/api/agencies/ag1/moderators/mod1', owner);

  const roomLog = await api<AuditPage>(url, 'GET', `/api/rooms/${roomId}/audit`, creator);
  expect(roomLog.status).toBe(200);
  expect(roomLog.body.entries.map((e) => [e.action, e.actor.userId, e.targetUserId])).toEqual([
    ['user.unban', 'mod1', 'v1'],
    ['user.ban', 'mod1', 'v1'],
    ['room.keywords', 'c1', null],
    ['room.slowMode', 'c1', null],
    ['user.unmute', 'c1', 'v1'],
    ['user.mute', 'mod1', 'v1'],
    ['chat.delete', 'mod1', null],
  ]);
  const mute = roomLog.body.entries.find((e) => e.action === 'user.mute')!;
  expect(mute).toMatchObject({
    roomId,
    agencyId: 'ag1',
    actor: { userId: 'mod1', name: 'mod1', role: 'moderator' },
    details: { durationS: 60, reason: 'cool off' },
  });
  expect(mute.at).toBeGreaterThanOrEqual(start);
  expect(mute.at).toBeLessThanOrEqual(Date.now());
  expect(roomLog.body.entries.find((e) => e.action === 'chat.delete')!.details).toEqual({ messageId: msg.id });

  // The agency's log has its rooms' actions and its own (roster, agency bans, keywords), newest first.
  const agencyLog = await api<AuditPage>(url, 'GET', '/api/agencies/ag1/audit?limit=200', owner);
  const actions = agencyLog.body.entries.map((e) => e.action);
  expect(actions.slice(0, 4)).toEqual(['roster.removeModerator', 'agency.keywords', 'agency.unban', 'agency.ban']);
  expect(actions.slice(-3)).toEqual(['roster.addModerator', 'roster.addCreator', 'agency.create']);
  expect(actions).toHaveLength(14);

  // Paging: four at a time, no overlap, same order.
  const pages: AuditEntry[] = [];
  let before: string | null | undefined;
  do {
    const page = await api<AuditPage>(url, 'GET', `/api/agencies/ag1/audit?limit=4${before ? `&before=${before}` : ''}`, owner);
    pages.push(...page.body.entries);
    before = page.body.nextBefore;
  } while (before);
  expect(pages.map((e) => e.cursor)).toEqual(agencyLog.body.entries.map((e) => e.cursor));

  // Platform log: admins only.
  expect((await api<AuditPage>(url, 'GET', '/api/audit?limit=200', admin)).body.entries).toHaveLength(14);
  expect((await api(url, 'GET', '/api/audit', owner)).status).toBe(403);
  // The room's log is for the room's staff.
  expect((await api(url, 'GET', `/api/rooms/${roomId}/audit`, await tokenFor(url, 'v1'))).status).toBe(403);
  expect((await api(url, 'GET', `/api/rooms/${roomId}/audit`, await tokenFor(url, 'owner2', 'agency', 'ag2'))).status).toBe(403);
  // mod1 was just removed from the roster: the token still says ag1, the roster says no.
  expect((await api(url, 'GET', `/api/rooms/${roomId}/audit`, await tokenFor(url, 'mod1', 'moderator', 'ag1'))).status).toBe(403);
});

it('a refused action leaves no audit entry', async () => {
  const node = t.add(await startNode());
  const { roomId, creator } = await liveRoom(node.url);
  const viewer = t.add(await LiveClient.connect(node.url, await tokenFor(node.url, 'v1')));
  expect(await call(viewer.socket, 'mod:ban', { roomId, userId: 'v2' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await call(viewer.socket, 'mod:slowMode', { roomId, seconds: -1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  const host = t.add(await LiveClient.connect(node.url, creator));
  expect(await call(host.socket, 'mod:ban', { roomId, userId: 'creator1' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  const log = await api<AuditPage>(node.url, 'GET', `/api/rooms/${roomId}/audit`, creator);
  expect(log.body.entries).toEqual([]);
});
