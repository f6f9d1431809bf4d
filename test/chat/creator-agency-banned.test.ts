import { expect, it } from 'vitest';
import { api, call, connect, ok } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

// A creator who left an agency's roster can be agency-banned; that ban must not lock them out of the rooms they
// created while on it (policy: a room's creator is never banned in their own room). Chat's send script judges bans
// itself, so it needs the same exception.
it('an agency ban of a creator who left the roster does not stop them chatting in their own room; it still stops them elsewhere', async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  expect((await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' })).status).toBe(201);
  const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  expect((await api(node.url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  expect((await api(node.url, 'PUT', '/api/agencies/ag1/creators/c2', owner)).status).toBe(200);
  const own = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c1' }));
  const other = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c2' }));

  expect((await api(node.url, 'DELETE', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  const ownerSocket = t.add(await connect(node.url, owner));
  ok(await call(ownerSocket, 'mod:agencyBan', { agencyId: 'ag1', userId: 'c1' }));

  const creator = t.add(await connect(node.url, own.creator));
  ok(await call(creator, 'room:join', { roomId: own.roomId }));
  expect(await call(creator, 'chat:send', { roomId: own.roomId, text: 'still my room' })).toMatchObject({ ok: true });
  // In another creator's room of the agency the ban holds.
  expect(await call(creator, 'room:join', { roomId: other.roomId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
});
