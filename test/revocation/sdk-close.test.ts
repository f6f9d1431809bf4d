import { expect, it } from 'vitest';
import { AgencyConsole, HawkerApi, LiveRoom, type LifecycleEvents } from '../../client-sdk/src/index.ts';
import { api } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { startNode, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('the SDK closes for good with code REVOKED when access is withdrawn, instead of going stale or reconnecting', async () => {
  const node = t.add(await startNode());
  const admin = await tokenFor(node.url, 'root', 'admin');
  expect((await api(node.url, 'POST', '/api/agencies', admin, { id: 'ag1', name: 'Agency One', ownerId: 'owner1' })).status).toBe(201);
  const owner = await tokenFor(node.url, 'owner1', 'agency', 'ag1');
  expect((await api(node.url, 'PUT', '/api/agencies/ag1/creators/c1', owner)).status).toBe(200);
  expect((await api(node.url, 'PUT', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  const room = t.add(await liveRoom(node.url, { agencyId: 'ag1', creatorId: 'c1' }));

  // A moderator's console, removed from the roster: told, then closed.
  const agency = t.add(await AgencyConsole.connect(node.url, await tokenFor(node.url, 'mod1', 'moderator', 'ag1'), 'ag1'));
  expect([...agency.rooms.keys()]).toEqual([room.roomId]);
  const told = agency.once('console:revoked');
  const closed = agency.once('closed');
  expect((await api(node.url, 'DELETE', '/api/agencies/ag1/moderators/mod1', owner)).status).toBe(200);
  expect(await told).toMatchObject({ agencyId: 'ag1', reason: 'roster' });
  expect(await closed).toEqual<LifecycleEvents['closed']>({ code: 'REVOKED', reason: expect.stringMatching(/no longer on agency ag1/) });
  expect(agency.status).toBe('closed');

  // A viewer signed out everywhere: closed with REVOKED, and no reconnect attempt with the refused token.
  const viewer = t.add(
    await LiveRoom.join(node.url, (await HawkerApi.devToken(node.url, { userId: 'v1', name: 'V', role: 'viewer' })).token, room.roomId),
  );
  const signedOut = viewer.once('closed');
  expect((await api(node.url, 'POST', '/api/users/v1/revoke', admin)).status).toBe(200);
  expect(await signedOut).toEqual<LifecycleEvents['closed']>({ code: 'REVOKED', reason: expect.stringMatching(/sign in again/) });
  await waitFor('the socket is down', () => !viewer.socket.connected && !viewer.socket.active);
});
