import { expect, it } from 'vitest';
import { devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('Bull Board is served to admins only: bearer header, or ?token= once which becomes an HttpOnly cookie', async () => {
  const node = t.add(await startNode());
  const admin = await devToken(node.url, { userId: 'root', name: 'Root', role: 'admin' });
  const viewer = await devToken(node.url, { userId: 'v1', name: 'Viewer', role: 'viewer' });
  const creator = await devToken(node.url, { userId: 'c1', name: 'Creator', role: 'creator', agencyId: 'ag1' });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${node.url}${path}`, { headers, redirect: 'manual' });

  const anonymous = await get('/admin/queues');
  expect(anonymous.status).toBe(401);
  expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  for (const token of [viewer, creator]) {
    expect((await get('/admin/queues', { authorization: `Bearer ${token}` })).status).toBe(403);
    const viaQuery = await get(`/admin/queues?token=${token}`);
    expect(viaQuery.status).toBe(403);
    expect(viaQuery.headers.get('set-cookie')).toBeNull();
    expect((await get('/admin/queues/api/queues', { cookie: `hawker_admin=${token}` })).status).toBe(403);
  }
  expect((await get('/admin/queues', { cookie: 'hawker_admin=not-a-token' })).status).toBe(401);

  const page = await get('/admin/queues', { authorization: `Bearer ${admin}` });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);

  // The browser path: the token in the URL once, then the cookie; the redirect drops the token from the address.
  const first = await get(`/admin/queues?token=${admin}&page=1`);
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe('/admin/queues?page=1');
  const cookie = first.headers.get('set-cookie')!;
  expect(cookie).toMatch(/^hawker_admin=/);
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  expect(cookie).toMatch(/Path=\/admin\/queues/);
  const api = await get('/admin/queues/api/queues', { cookie: cookie.split(';')[0]! });
  expect(api.status).toBe(200);
  const body = (await api.json()) as { queues: { name: string }[] };
  expect(body.queues.map((q) => q.name)).toEqual(['payments']);
});
