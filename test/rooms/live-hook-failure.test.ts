import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api, call, connect, devToken, next, ok } from '../../harness/clients.ts';
import { inspector } from '../../harness/commerce.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { catalogKeys } from '../../server/catalog/store.ts';

const t = useTeardown();

it('a room hook failing in onLive does not fail going live: the room is live, the caller gets it, the room is told', async () => {
  const { url, prefix } = t.add(await startNode());
  const redis = t.add(inspector());
  const creator = await devToken(url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const created = await api<Room>(url, 'POST', '/api/rooms', creator, { title: 'Broken console' });
  const roomId = created.body.id;
  const viewer = t.add(await connect(url, await devToken(url, { userId: 'v1', name: 'Viewer', role: 'viewer' })));
  ok(await call(viewer, 'room:join', { roomId }));
  // A console watching the agency makes the console hook read the room's snapshot when it goes live. The pin key
  // holding the wrong type makes that read fail (WRONGTYPE), so the console's onLive throws.
  const mod = t.add(await connect(url, await devToken(url, { userId: 'm1', name: 'Mod', role: 'moderator', agencyId: 'ag1' })));
  ok(await call(mod, 'console:watch', { agencyId: 'ag1' }));
  await redis.sadd(catalogKeys(prefix).pin(roomId), 'not a pin');

  const updated = next(viewer, 'room:updated');
  const live = await api<Room>(url, 'POST', `/api/rooms/${roomId}/live`, creator);
  expect(live.status).toBe(200);
  expect(live.body).toMatchObject({ id: roomId, status: 'live' });
  // The hooks ran to the end and goLive went on after them: the room's pushes went out.
  expect((await updated).room).toMatchObject({ id: roomId, status: 'live' });
  expect((await api<Room>(url, 'GET', `/api/rooms/${roomId}`, creator)).body.status).toBe('live');
});
