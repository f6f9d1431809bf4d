import { expect, it } from 'vitest';
import type { Room } from '@hawker/protocol';
import { api } from '../../harness/clients.ts';
import { tokenFor } from '../../harness/live.ts';
import { twoNodes } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

type Answer = { status: number; body: Room & { error?: { code: string; details?: Record<string, unknown> } } };

it('ROOMS_OPEN_PER_CREATOR holds under parallel creates on two nodes; ending a room gives its slot back', async () => {
  const [a, b] = await twoNodes(t, { ROOMS_OPEN_PER_CREATOR: '3', ROOMS_CREATED_PER_HOUR: '1000' });
  const creator = await tokenFor(a.url, 'c1', 'creator');
  const answers = (await Promise.all(
    Array.from({ length: 16 }, (_, i) => api(i % 2 ? b.url : a.url, 'POST', '/api/rooms', creator, { title: `Room ${i}` })),
  )) as Answer[];
  const created = answers.filter((r) => r.status === 201);
  const refused = answers.filter((r) => r.status !== 201);
  expect(created).toHaveLength(3);
  expect(refused).toHaveLength(13);
  for (const r of refused) {
    expect(r.status).toBe(429);
    expect(r.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'ROOMS_OPEN_PER_CREATOR', max: 3 } });
  }
  // Nothing of the refused creates was written.
  const listed = await api<{ rooms: Room[] }>(b.url, 'GET', '/api/rooms?creatorId=c1&limit=100', creator);
  expect(listed.body.rooms.map((r) => r.id).sort()).toEqual(created.map((r) => r.body.id).sort());

  // Another creator has their own quota.
  const other = await tokenFor(a.url, 'c2', 'creator');
  expect((await api(a.url, 'POST', '/api/rooms', other, { title: 'Mine' })).status).toBe(201);

  // Going live keeps the slot; ending gives it back (on either node).
  const [first, second] = created.map((r) => r.body);
  expect((await api(a.url, 'POST', `/api/rooms/${first!.id}/live`, creator)).status).toBe(200);
  expect((await api(b.url, 'POST', '/api/rooms', creator, { title: 'Still full' })).status).toBe(429);
  expect((await api(b.url, 'POST', `/api/rooms/${first!.id}/end`, creator, {})).status).toBe(200);
  expect((await api(a.url, 'POST', `/api/rooms/${second!.id}/end`, creator, {})).status).toBe(200);
  const again = (await Promise.all(
    Array.from({ length: 6 }, (_, i) => api(i % 2 ? a.url : b.url, 'POST', '/api/rooms', creator, { title: `Again ${i}` })),
  )) as Answer[];
  expect(again.filter((r) => r.status === 201)).toHaveLength(2);
});

it('ROOMS_CREATED_PER_HOUR refuses with RATE_LIMITED and a retry time, even after the rooms ended', async () => {
  const [a, b] = await twoNodes(t, { ROOMS_OPEN_PER_CREATOR: '100', ROOMS_CREATED_PER_HOUR: '4' });
  const creator = await tokenFor(a.url, 'busy', 'creator');
  const answers = (await Promise.all(
    Array.from({ length: 10 }, (_, i) => api(i % 2 ? b.url : a.url, 'POST', '/api/rooms', creator, { title: `R${i}` })),
  )) as Answer[];
  const created = answers.filter((r) => r.status === 201);
  expect(created).toHaveLength(4);
  for (const r of created) expect((await api(a.url, 'POST', `/api/rooms/${r.body.id}/end`, creator, {})).status).toBe(200);
  const refused = (await api(b.url, 'POST', '/api/rooms', creator, { title: 'One more' })) as Answer;
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'ROOMS_CREATED_PER_HOUR', max: 4 } });
  const retry = refused.body.error!.details!.retryAfterMs as number;
  expect(retry).toBeGreaterThan(3_500_000); // the oldest creation leaves the rolling hour in just under an hour
  expect(retry).toBeLessThanOrEqual(3_600_000);
  const listed = await api<{ rooms: Room[] }>(a.url, 'GET', '/api/rooms?creatorId=busy&limit=100', creator);
  expect(listed.body.rooms).toHaveLength(4);
});
